# gemm.comp: the register tiles (rows x columns per invocation: gpu_infer/backends/vulkan/ops/gemm_core.py
# TILES) per precision level; gemm_pack.comp per precision level (compile.py)
TILES = [(4, 16), (8, 8), (8, 16)]
VARIANTS = texel({f"gemm_{tm}x{tn}.{level}": [f"-DTM={tm}", f"-DTN={tn}", *defines]
            for tm, tn in TILES for level, defines in PRECISIONS.items()})  # noqa: F821
