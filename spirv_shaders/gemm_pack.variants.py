# gemm_pack.comp: one variant per precision level, with its texel-read twin (compile.py)
VARIANTS = texel({f"gemm_pack.{level}": defines for level, defines in PRECISIONS.items()})  # noqa: F821
