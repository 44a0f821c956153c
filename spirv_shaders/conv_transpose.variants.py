# conv_transpose.comp: col2im, per precision level (compile.py)
VARIANTS = {f"conv_transpose.{level}": defines for level, defines in PRECISIONS.items()}  # noqa: F821
