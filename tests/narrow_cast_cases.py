"""Differential cases of Cast to and from ONNX's narrow types (bfloat16, float8, float8e8m0, float6,
float4, int4, uint4, int2, uint2; ml_dtypes on the host), joined to the elementwise family's Cast cases
(tests/diffcases_elementwise.py): float32 with special values to each (saturate and round_mode
forms), every code of each back to float32, integers and narrow types to each other, CastLike."""
from __future__ import annotations

import ml_dtypes
import numpy as np
from onnx import helper

from gpu_differential_cases import Case, node_model, values
from narrow_types import NARROW, every_code, narrow

OPSET = 28                                  # Cast takes float6 from opset 28


def cast_case(label: str, x: np.ndarray, to: np.dtype, **attrs) -> Case:
    model = node_model("Cast", {"x": x}, opset=OPSET, to=helper.np_dtype_to_tensor_dtype(to), **attrs)
    return Case(f"Cast {label}{' ' + str(attrs) if attrs else ''}", model, {"x": x})


def narrow_cast_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for name in NARROW:
        dtype = narrow(name)
        integer = name.startswith(("int", "uint"))      # float -> integer: defined only within range
        x = np.clip(values(rng, (5, 67), False), -100, 100) if integer else values(rng, (5, 67), True)
        cases.append(cast_case(f"float32->{name}", x, dtype))
        if name.startswith("float8_e4") or name.startswith("float8_e5"):
            cases.append(cast_case(f"float32->{name}", x, dtype, saturate=0))
        if name == "float8_e8m0fnu":
            x = np.abs(x)                                   # negative values: the spec leaves them undefined
            cases += [cast_case(f"float32->{name}", x, dtype, saturate=s, round_mode=r)
                      for s, r in ((0, "up"), (1, "down"), (1, "nearest"), (0, "nearest"))]
        cases.append(cast_case(f"{name}->float32", every_code(dtype), np.dtype(np.float32)))
    ints = rng.integers(-1000, 1000, (3, 41)).astype(np.int32)
    cases += [cast_case("int32->float8_e4m3fn (saturating)", ints, narrow("float8_e4m3fn")),
              cast_case("int32->int4 (low bits)", ints, narrow("int4")),
              cast_case("bfloat16->float8_e5m2fnuz", every_code(narrow("bfloat16")), narrow("float8_e5m2fnuz")),
              cast_case("int4->float8_e4m3fn", every_code(narrow("int4")), narrow("float8_e4m3fn")),
              cast_case("float4_e2m1fn->int8", every_code(narrow("float4_e2m1fn")), np.dtype(np.int8)),
              cast_case("uint2->bool", every_code(narrow("uint2")), np.dtype(bool)),
              cast_case("bfloat16->bfloat16", every_code(narrow("bfloat16")), narrow("bfloat16"))]
    x = values(rng, (2, 9), True)
    cases.append(Case("CastLike float32->bfloat16", node_model(
        "CastLike", {"x": x}, opset=OPSET, initializers={"like": np.zeros(1, ml_dtypes.bfloat16)}), {"x": x}))
    return cases
