# relu.comp: one variant per precision level (compile.py)
VARIANTS = {f"relu.{level}": defines for level, defines in PRECISIONS.items()}  # noqa: F821
