# dropout.comp: by float data type (float16 only stored, "f16s"), without a mask, with a bool mask
# (opset 10 on) or one of the data's type (before)
FLOATS = ("f32", "f16s", "f64")
VARIANTS = {**{f"dropout.{t}": role("A", t) for t in FLOATS},  # noqa: F821
            **{f"dropout.{t}.{m}": role("A", t) + role("B", m) + ["-DMASK"]  # noqa: F821
               for t in FLOATS for m in ("bool", t)}}
