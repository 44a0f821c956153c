# norm.comp: LayerNormalization and InstanceNormalization (PER_ROW) by element type (half storage:
# STORAGE_HALF), each with its texel-read twin (.tx), compile.py
DATA = {t: role("A", t) + (PRECISIONS["fp16-storage"] if t == "f16s" else []) for t in ("f32", "f16s")}  # noqa: F821
VARIANTS = texel({f"{stem}.{t}": defines + DATA[t]  # noqa: F821
                  for stem, defines in (("layer_norm", []), ("instance_norm", ["-DPER_ROW"])) for t in DATA})
