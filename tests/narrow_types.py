"""ONNX's narrow element types as ml_dtypes holds them on the host (one element per byte, bfloat16 per
two), for the Cast tests (tests/narrow_cast_cases.py, tests/test_cl_cast_small.py)."""
from __future__ import annotations

import ml_dtypes
import numpy as np

NARROW = ("bfloat16", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float4_e2m1fn",
          "float8_e8m0fnu", "float6_e2m3fn", "float6_e3m2fn", "int4", "uint4", "int2", "uint2")
_BITS = {"int4": 4, "uint4": 4, "float4_e2m1fn": 4, "float6_e2m3fn": 6, "float6_e3m2fn": 6, "int2": 2, "uint2": 2}


def narrow(name: str) -> np.dtype:
    return np.dtype(getattr(ml_dtypes, name))


def every_code(dtype: np.dtype) -> np.ndarray:
    """Each bit pattern of `dtype` once (4-, 6- and 2-bit types: only their own bits)."""
    bits = _BITS.get(dtype.name, 8 * dtype.itemsize)
    return np.arange(1 << bits, dtype=np.uint8 if dtype.itemsize == 1 else np.uint16).view(dtype)
