# gemm_shared.comp: the shared-memory blocked GEMM, 4 x 8 per invocation, per precision level (compile.py)
VARIANTS = texel({f"gemm_shared_4x8.{level}": ["-DTM=4", "-DTN=8", *defines]
            for level, defines in PRECISIONS.items()})  # noqa: F821
