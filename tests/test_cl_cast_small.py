"""Cast on the GPU backends (OpenCL, Vulkan) to and from the narrow ONNX types (bfloat16, float8,
float8e8m0, float6, float4, int4, uint4, int2, uint2), bit for bit against onnx's reference
(onnx.reference's cast_to, on ml_dtypes): every code of each type decoded, and a dense sweep of
float32 (every 4099th bit pattern, every float16, and each type's rounding ties with their
neighbours) encoded, per saturate and round_mode."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx.reference.ops.op_cast import cast_to

import gpu_infer
from gpu_infer.backends.narrow_types import SMALL
from narrow_types import every_code

pytestmark = pytest.mark.parametrize("backend", ["opencl", "vulkan"])

NARROW = {name: getattr(TensorProto, name) for name in (
    "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "FLOAT4E2M1", "FLOAT8E8M0",
    "FLOAT6E2M3", "FLOAT6E3M2", "INT4", "UINT4", "INT2", "UINT2")}
FLOAT6 = {TensorProto.FLOAT6E2M3, TensorProto.FLOAT6E3M2}      # Cast takes them from opset 28
BITS = {1: np.uint8, 2: np.uint16}


def cast_model(src: int, to: int, n: int, **attrs) -> bytes:
    opset = 28 if {src, to} & FLOAT6 else 25
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=to, **attrs)], "cast",
                              [helper.make_tensor_value_info("x", src, [n])],
                              [helper.make_tensor_value_info("y", to, [n])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]).SerializeToString()


def on_gpu(backend: str, x: np.ndarray, to: int, precision: str = "fp32", **attrs) -> np.ndarray:
    src = helper.np_dtype_to_tensor_dtype(x.dtype)
    sess = gpu_infer.InferenceSession(cast_model(src, to, x.size, **attrs), backend=backend, precision=precision,
                                      strict=True)
    return sess.run(None, {"x": x})[0]


def has_fp64(backend: str) -> bool:
    if backend == "opencl":
        from gpu_infer.backends.opencl.ops.elementwise import device_has_fp64
        return device_has_fp64()
    from gpu_infer.backends.vulkan.execution import device_features
    return bool(device_features().get("shaderFloat64"))


def bits(a: np.ndarray) -> np.ndarray:
    return a.view(BITS[a.dtype.itemsize]) if a.dtype.kind == "V" or a.dtype in SMALL else a


def assert_same_bits(got: np.ndarray, want: np.ndarray, x: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    bad = bits(got) != bits(want)
    if got.dtype.kind == "f" and got.dtype not in SMALL:          # float results: NaN payloads may differ
        bad &= ~(np.isnan(got) & np.isnan(want))
    if bad.any():
        k = np.flatnonzero(bad)[:5]
        pytest.fail(f"{int(bad.sum())} of {bad.size} differ, e.g. x={x.ravel()[k]} "
                    f"(bits {bits(x).ravel()[k] if x.dtype.itemsize <= 2 else x.view(np.uint32).ravel()[k]}): "
                    f"got {bits(got).ravel()[k]}, want {bits(want).ravel()[k]}")


def sweep(dtype: np.dtype) -> np.ndarray:
    """float32: every 4099th bit pattern, every float16, and each code's neighbourhood (the code
    itself, the ties halfway to the next code, and one float32 step either side of them)."""
    codes = every_code(dtype).astype(np.float32)
    codes = np.unique(codes[np.isfinite(codes)])
    ties = (codes[:-1] + (codes[1:] - codes[:-1]) / 2).astype(np.float32)
    near = np.concatenate([codes, ties, -ties, -codes])
    near = np.concatenate([near, np.nextafter(near, np.float32(np.inf)), np.nextafter(near, np.float32(-np.inf))])
    return np.concatenate([np.arange(0, 2**32, 4099, dtype=np.uint64).astype(np.uint32).view(np.float32),
                           np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32), near])


def np_type(name: str) -> np.dtype:
    return np.dtype(helper.tensor_dtype_to_np_dtype(getattr(TensorProto, name)))


@pytest.mark.parametrize("name", NARROW)
def test_every_code_decodes_exactly(name, backend):
    x = every_code(np_type(name))
    for to in (TensorProto.FLOAT,) + ((TensorProto.FLOAT16,) if name.startswith("FLOAT8") else ()):
        assert_same_bits(on_gpu(backend, x, to), cast_to(x, to, True), x)


def defined(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Inputs whose cast ONNX defines: for the integer types, finite and within int32."""
    if SMALL[dtype][2]:
        return x
    return x[np.isfinite(x) & (np.abs(x) < 2.0**31)]


@pytest.mark.parametrize("name", NARROW)
def test_float32_sweep_encodes_exactly(name, backend):
    to, dtype = NARROW[name], np_type(name)
    x = defined(sweep(dtype), dtype)
    forms = [{}]
    if name.startswith("FLOAT8"):
        forms.append({"saturate": 0})
    if name == "FLOAT8E8M0":
        forms = [{"saturate": s, "round_mode": r} for s in (1, 0) for r in ("up", "down", "nearest")]
    for attrs in forms:
        want = cast_to(x, to, bool(attrs.get("saturate", 1)), attrs.get("round_mode", "up"))
        assert_same_bits(on_gpu(backend, x, to, **attrs), want, x)


@pytest.mark.parametrize("name", ["BFLOAT16", "FLOAT8E4M3FN", "INT4"])
def test_float16_and_float64_sources(name, backend):
    """Every float16 (half storage, read through vload_half) and float64 (where the device has double)
    through float, as onnx's reference does."""
    to, dtype = NARROW[name], np_type(name)
    x16 = defined(np.arange(1 << 16, dtype=np.uint16).view(np.float16), dtype)
    assert_same_bits(on_gpu(backend, x16, to), cast_to(x16, to, True), x16)
    if has_fp64(backend):
        x64 = defined(sweep(dtype).astype(np.float64) * (1 + 2.0**-30), dtype)
        assert_same_bits(on_gpu(backend, x64, to), cast_to(x64, to, True), x64)


INTS = np.arange(-300, 300, dtype=np.int32)
# (source, target): integers to narrow floats (saturating as onnx's reference does) and to narrow
# integers (the low bits); narrow types to each other, to integers and to bool; a type to itself
PAIRS = [("INT32", "BFLOAT16"), ("INT32", "FLOAT8E4M3FNUZ"), ("INT64", "INT4"), ("UINT8", "UINT2"),
         ("FLOAT8E5M2", "INT4"), ("INT4", "UINT2"), ("BFLOAT16", "FLOAT8E4M3FN"), ("FLOAT4E2M1", "FLOAT8E5M2"),
         ("FLOAT8E4M3FN", "INT8"), ("UINT4", "BOOL"), ("INT2", "FLOAT8E8M0"), ("BFLOAT16", "BFLOAT16")]


@pytest.mark.parametrize("pair", PAIRS, ids="->".join)
def test_between_types(pair, backend):
    src, dst = np_type(pair[0]), np_type(pair[1])
    if src in SMALL:
        x = every_code(src)
        wide = x.astype(np.float32) if SMALL[src][2] else x.astype(np.int32)
        to_integer = dst.kind in "iu" or (dst in SMALL and not SMALL[dst][2])
        x = x[np.isfinite(wide) & (np.abs(wide) < 128)] if to_integer else x    # where ONNX defines it
    else:
        x = INTS.astype(src) if src.kind == "i" else np.arange(256, dtype=src)
    # ml_dtypes casts between two narrow integer types only through a wider one
    ref = x.astype(np.int32) if src in SMALL and dst in SMALL and not SMALL[src][2] else x
    want = x if src == dst else cast_to(ref, getattr(TensorProto, pair[1]), True)
    assert_same_bits(on_gpu(backend, x, getattr(TensorProto, pair[1])), want, x)


@pytest.mark.parametrize("precision", ["fp16-storage"])
def test_fp16_storage_session(precision, backend):
    """At fp16-storage the float32 graph input is half on the device; narrow types stay their bits."""
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
    for to in (TensorProto.FLOAT8E4M3FN, TensorProto.FLOAT8E5M2, TensorProto.BFLOAT16):
        y = on_gpu(backend, x, to, precision)
        assert_same_bits(y, cast_to(x, to, True), x)
        back = on_gpu(backend, y, TensorProto.FLOAT, precision)
        want = cast_to(y, TensorProto.FLOAT, True).astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(back, want)
