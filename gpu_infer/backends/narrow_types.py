"""ONNX's narrow element types as both GPU backends hold them: raw bits, one element per byte
(bfloat16 per two), as ml_dtypes holds them on the host. Their encodings are
cl_kernels/small_types.h's and spirv_shaders/small_types.glsl's."""
from __future__ import annotations

import ml_dtypes
import numpy as np

# narrow type -> (its format in small_types.h / .glsl, the unsigned type of its bits, whether it is
# a float); the order gives small_types.glsl's format codes
SMALL: dict[np.dtype, tuple[str, str, bool]] = {np.dtype(getattr(ml_dtypes, name)): spec for name, spec in (
    ("bfloat16", ("BF16", "ushort", True)), ("float8_e4m3fn", ("E4M3FN", "uchar", True)),
    ("float8_e4m3fnuz", ("E4M3FNUZ", "uchar", True)), ("float8_e5m2", ("E5M2", "uchar", True)),
    ("float8_e5m2fnuz", ("E5M2FNUZ", "uchar", True)), ("float4_e2m1fn", ("E2M1", "uchar", True)),
    ("float6_e2m3fn", ("E2M3", "uchar", True)), ("float6_e3m2fn", ("E3M2", "uchar", True)),
    ("float8_e8m0fnu", ("E8M0", "uchar", True)), ("int4", ("I4", "uchar", False)),
    ("uint4", ("U4", "uchar", False)), ("int2", ("I2", "uchar", False)), ("uint2", ("U2", "uchar", False)))}
FORMAT_CODES: dict[np.dtype, int] = {dtype: code for code, dtype in enumerate(SMALL)}
FLOAT8 = frozenset(d for d in SMALL if d.name.startswith("float8"))
E8M0_ROUND = {"up": 0, "down": 1, "nearest": 2}        # ONNX's round_mode -> the kernels' code
