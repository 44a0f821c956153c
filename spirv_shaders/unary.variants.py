# unary.comp: by element type (compile.py's TYPES); Clip with bounds read from tensors apart
NUMBERS = [t for t in TYPES if t != "bool"]  # noqa: F821
VARIANTS = {**{f"unary.{t}": role("A", t) for t in NUMBERS},  # noqa: F821
            **{f"unary_clip.{t}": role("A", t) + ["-DCLIP_TENSORS"] for t in NUMBERS}}  # noqa: F821
