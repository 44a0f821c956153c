# lrn.comp: by element type (float32, half storage), compile.py
VARIANTS = {f"lrn.{t}": role("A", t) for t in ("f32", "f16s")}  # noqa: F821
