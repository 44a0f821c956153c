# gemm_pack.comp: one variant per precision level (compile.py)
VARIANTS = {f"gemm_pack.{level}": defines for level, defines in PRECISIONS.items()}  # noqa: F821
