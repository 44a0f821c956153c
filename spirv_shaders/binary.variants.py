# binary.comp: Add, one variant per precision level (compile.py)
VARIANTS = {f"binary_add.{level}": ["-DOP_ADD", *defines] for level, defines in PRECISIONS.items()}  # noqa: F821
