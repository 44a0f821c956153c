# lrn.comp: by element type (float32, half storage: STORAGE_HALF), each with its texel-read twin
# (.tx), compile.py
VARIANTS = texel({f"lrn.{t}": role("A", t) + (PRECISIONS["fp16-storage"] if t == "f16s" else [])  # noqa: F821
                  for t in ("f32", "f16s")})
