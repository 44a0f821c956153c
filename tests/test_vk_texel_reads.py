"""Vulkan's memory-bound shaders (region copies, binary and unary elementwise ops) on each of
their read paths, against NumPy: through texel views (vulkan/texel.py, the .tx variants) and
through the storage-buffer fallback the same dispatches take where a texel view cannot be made;
chunks and vectors of four where sizes and offsets allow, the element-wise tail where not."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import gpu_infer
from helpers import need_backend
from test_cl_elementwise import graph_model

pytestmark = pytest.mark.vulkan


@pytest.fixture(params=["texel", "storage"])
def variants(request, monkeypatch) -> list[str]:
    """The shader variants pipelines are made for, while texel views are on or off."""
    need_backend("vulkan")
    from gpu_infer.backends.vulkan.runtime import get_runtime
    from gpu_infer.scheduler import probe_all
    rt = get_runtime(probe_all()["vulkan"])
    monkeypatch.setattr(rt.texel, "enabled", request.param == "texel")
    seen: list[str] = []
    made = rt.pipeline

    def spy(stem, variant, *args, **kw):
        seen.append(f"{stem}.{variant}")
        return made(stem, variant, *args, **kw)
    monkeypatch.setattr(rt, "pipeline", spy)
    return seen


def run(nodes, feeds: dict[str, np.ndarray], outputs: list[str], precision: str = "fp32") -> list[np.ndarray]:
    model = graph_model(nodes, feeds, outputs)
    return gpu_infer.InferenceSession(model, backend="vulkan", strict=True, precision=precision).run(None, feeds)


def check_reads(variants: list[str], stem: str, texel: bool) -> None:
    used = [v for v in variants if v.startswith(stem + ".")]
    assert used and all(v.endswith(".tx") == texel for v in used), used


DATA_TYPES = ["float32", "float16", "int8", "uint16", "int64"]


@pytest.mark.parametrize("dtype", DATA_TYPES)
def test_region_copies_move_every_element(dtype, variants, request):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((2, 3, 5, 37)) * 50).astype(dtype)       # 555-element runs: chunks and a tail
    b = (rng.standard_normal((2, 4, 5, 37)) * 50).astype(dtype)
    nodes = [helper.make_node("Concat", ["a", "b"], ["cat"], axis=1),
             helper.make_node("Transpose", ["a"], ["t"], perm=[0, 3, 1, 2]),              # strided reads
             helper.make_node("Slice", ["b", "st", "en", "ax"], ["sl"]),                  # unaligned starts
             helper.make_node("Pad", ["a", "pads"], ["pad"])]                              # several regions
    inits = {"st": np.array([1, 3], np.int64), "en": np.array([4, 36], np.int64), "ax": np.array([1, 3], np.int64),
             "pads": np.array([0, 1, 0, 2, 0, 0, 1, 1], np.int64)}
    model = graph_model(nodes, {"a": a, "b": b}, ["cat", "t", "sl", "pad"], initializers=inits)
    got = gpu_infer.InferenceSession(model, backend="vulkan", strict=True).run(None, {"a": a, "b": b})
    want = [np.concatenate([a, b], 1), a.transpose(0, 3, 1, 2), b[:, 1:4, :, 3:36],
            np.pad(a, [(0, 0), (1, 0), (0, 1), (2, 1)])]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    check_reads(variants, "raster", "texel" in request.node.callspec.id)


def test_conversions_to_and_from_half_storage(variants, request):
    x = np.random.default_rng(4).standard_normal((3, 5, 41)).astype(np.float32)
    got = run([helper.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 1])], {"x": x}, ["y"], "fp16")[0]
    np.testing.assert_allclose(got, x.astype(np.float16).astype(np.float32).transpose(0, 2, 1))
    check_reads(variants, "raster", "texel" in request.node.callspec.id)


# (a's shape, b's shape): same shape, channel (inner), row (mid), each with a contiguous run that is a
# multiple of 16, of 4 and neither; scalar either side; general
SHAPES = [((2, 3, 4, 8), (2, 3, 4, 8)), ((3, 4, 3), (3, 4, 3)), ((3, 7, 5), (3, 7, 5)), ((1, 6, 4, 4), (1, 6, 1, 1)),
          ((2, 3, 2, 4), (3, 1, 1)), ((2, 6, 3, 3), (6, 1, 1)), ((3, 32), (32,)), ((5, 12), (12,)), ((7, 9), (9,)),
          ((4, 8), ()), ((), (3, 8)), ((3, 1, 4), (1, 5, 1))]


# (PRelu's slope broadcasts to x: not the shapes whose result is wider than a)
BINARY_CASES = [(op, shapes) for op in ("Sub", "Div", "PRelu") for shapes in SHAPES
                if op != "PRelu" or np.broadcast_shapes(*shapes) == shapes[0]]


@pytest.mark.parametrize(("op", "shapes"), BINARY_CASES, ids=[f"{a}x{b}-{op}" for op, (a, b) in BINARY_CASES])
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_binary_ops_in_every_form(op, shapes, precision, variants, request):
    rng = np.random.default_rng(7)
    a, b = ((rng.uniform(0.5, 2, s) * rng.choice([-1, 1], s)).astype(np.float32) for s in shapes)
    got = run([helper.make_node(op, ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"], precision)[0]
    if precision == "fp16":
        a, b = a.astype(np.float16).astype(np.float32), b.astype(np.float16).astype(np.float32)
    want = {"Sub": np.subtract, "Div": np.divide, "PRelu": lambda x, s: np.where(x < 0, x * s, x)}[op](a, b)
    np.testing.assert_allclose(got, want, rtol=1e-6 if precision == "fp32" else 2e-3)
    check_reads(variants, "binary", "texel" in request.node.callspec.id)


@pytest.mark.parametrize("n", [64, 36, 63])
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_unary_ops_and_one_input_copies(n, precision, variants, request):
    x = np.random.default_rng(8).standard_normal(n).astype(np.float32)
    got = run([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Max", ["x"], ["m"])], {"x": x}, ["r", "m"],
              precision)
    if precision == "fp16":
        x = x.astype(np.float16).astype(np.float32)
    np.testing.assert_array_equal(got[0], np.maximum(x, 0))
    np.testing.assert_array_equal(got[1], x)
    check_reads(variants, "unary", "texel" in request.node.callspec.id)


def test_integer_binary_ops_keep_storage_buffer_reads(variants):
    a = np.arange(-20, 20, dtype=np.int32).reshape(5, 8)
    got = run([helper.make_node("Mul", ["a", "a"], ["y"])], {"a": a}, ["y"])[0]
    np.testing.assert_array_equal(got, a * a)
    check_reads(variants, "binary", False)


@pytest.mark.parametrize("shape", [(2, 3, 4, 8), (2, 3, 2, 2), (2, 3, 5), (4, 3)])
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_batchnorm_with_prepared_parameters(shape, precision, variants, request):
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape).astype(np.float32)
    scale, bias, mean = (rng.standard_normal(3).astype(np.float32) for _ in range(3))
    var = rng.uniform(0.5, 2, 3).astype(np.float32)
    model = graph_model([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])], {"x": x}, ["y"],
                        initializers={"s": scale, "b": bias, "m": mean, "v": var})
    got = gpu_infer.InferenceSession(model, backend="vulkan", strict=True, precision=precision).run(None, {"x": x})[0]
    if precision == "fp16":
        x = x.astype(np.float16).astype(np.float32)
    at = (slice(None),) + (None,) * (len(shape) - 2)
    want = (x - mean[at]) / np.sqrt(var[at] + 1e-5) * scale[at] + bias[at]
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if precision == "fp32" else {"rtol": 2e-3, "atol": 4e-3}
    np.testing.assert_allclose(got, want, **tolerance)
    check_reads(variants, "batchnorm", "texel" in request.node.callspec.id)


@pytest.mark.parametrize("n", [64, 63])
def test_float16_tensors_at_fp32_precision(n, variants, request):
    """A float16 model tensor stays float16 at fp32: its texel views are half views too."""
    rng = np.random.default_rng(10)
    a, b, c = (rng.uniform(-4, 4, n).astype(np.float16) for _ in range(3))
    got = run([helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Max", ["a", "b", "c"], ["m"]),
               helper.make_node("Relu", ["a"], ["r"])], {"a": a, "b": b, "c": c}, ["s", "m", "r"])
    np.testing.assert_array_equal(got[0], a + b)
    np.testing.assert_array_equal(got[1], np.maximum(np.maximum(a, b), c))
    np.testing.assert_array_equal(got[2], np.maximum(a, 0))
    check_reads(variants, "binary", "texel" in request.node.callspec.id)
