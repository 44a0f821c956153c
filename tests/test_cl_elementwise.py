"""GPU elementwise families beyond the float32 differential cases (tests/diffcases_elementwise.py):
every element type the kernels hold against the CPU backend (OpenCL and Vulkan), the kernel form
each broadcast gets, BatchNormalization's parameters prepared once, and refusals that name what is
missing (OpenCL; tests/test_vk_elementwise.py for Vulkan's)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.backends import broadcast_plan as broadcast
from gpu_infer.errors import UnsupportedOpError
from test_gpu_differential import mismatches

pytestmark = pytest.mark.opencl

# narrow (promoted to int in C), unsigned, 32- and 64-bit; the ONNX suite runs every width's same-shape cases
INTEGERS = ("int8", "uint16", "int32", "int64", "uint64")
GPUS = ("opencl", "vulkan")


def graph_model(nodes: list, inputs: dict[str, np.ndarray], outputs: list[str], opset: int = 17,
                initializers: dict[str, np.ndarray] | None = None):
    """Nodes over typed graph inputs; every name in `outputs` a graph output (types inferred)."""
    graph = helper.make_graph(
        nodes, "typed", [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
                         for n, v in inputs.items()],
        [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in outputs],
        [numpy_helper.from_array(v, n) for n, v in (initializers or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def integer_data(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """The type's extremes, -1, 0, 1 and random values (sums and products that wrap around)."""
    info = np.iinfo(dtype)
    special = np.array([info.min, info.max, 0, 1, info.max - 1] + ([-1, -7, info.min + 1] if info.min else [7, 2]),
                       dtype)
    x = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    picks = rng.random(shape) < 0.3
    return np.where(picks, rng.choice(special, shape), x).astype(dtype)


def run_both(model, feeds: dict[str, np.ndarray], precision: str = "fp32", level: str = "fp32",
             backend: str = "opencl") -> list[str]:
    """What differs between the GPU `backend`'s and the CPU backend's outputs, at `level`'s tolerance."""
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, feeds)
    if precision != "fp32":                           # float results as the device stores them
        with np.errstate(over="ignore"):
            want = [w.astype(np.float16).astype(w.dtype) if w.dtype.kind == "f" else w for w in want]
    got = gpu_infer.InferenceSession(model, backend=backend, precision=precision, strict=True).run(None, feeds)
    names = [o.name for o in model.graph.output]
    return [f"{name}: {p}" for name, g, w in zip(names, got, want) for p in mismatches(g, w, level, False)]


@pytest.mark.parametrize("backend", GPUS)
@pytest.mark.parametrize("dtype", INTEGERS)
def test_integer_ops_match_numpy(dtype, backend):
    """Wrapping +, -, *; division truncating toward zero, by zero 0 and MIN / -1 wrapping (as NumPy);
    Max, Min, Sum; Abs(MIN) = MIN; Neg and Relu for signed types; Clip; Pow; each kernel form."""
    rng = np.random.default_rng(1)
    a, c = integer_data(dtype, (3, 5, 17), rng), integer_data(dtype, (3, 5, 17), rng)
    b = integer_data(dtype, (5, 1), rng)
    base = rng.integers(0, 5, (3, 5, 17)).astype(dtype)
    exponent = rng.integers(0, 9 if np.dtype(dtype).itemsize > 1 else 4, (17,)).astype(dtype)
    lo, hi = np.array(2, dtype), np.array(np.iinfo(dtype).max // 3, dtype)
    binary = [("Add", "a", "b"), ("Sub", "a", "c"), ("Mul", "a", "b"), ("Mul", "a", "c"), ("Div", "a", "c"),
              ("Div", "a", "b"), ("Div", "c", "a"), ("Max", "a", "b"), ("Min", "c", "a")]
    nodes = [helper.make_node(op, [x, y], [f"{op}_{x}_{y}"]) for op, x, y in binary]
    nodes += [helper.make_node("Max", ["a", "b", "c"], ["max3"]), helper.make_node("Min", ["a", "b", "c"], ["min3"]),
              helper.make_node("Abs", ["a"], ["abs"]), helper.make_node("Clip", ["a", "lo", "hi"], ["clip"])]
    feeds = {"a": a, "b": b, "c": c}
    if np.dtype(dtype).kind == "i":
        nodes += [helper.make_node("Neg", ["a"], ["neg"]), helper.make_node("Relu", ["c"], ["relu"])]
    if dtype in ("int32", "int64"):                   # the types ONNX gives Pow and PRelu
        nodes += [helper.make_node("PRelu", ["a", "b"], ["prelu"]), helper.make_node("Pow", ["base", "e"], ["pow"])]
        feeds |= {"base": base, "e": exponent}
    model = graph_model(nodes, feeds, [n.output[0] for n in nodes], initializers={"lo": lo, "hi": hi})
    problems = run_both(model, feeds, backend=backend)
    assert not problems, f"{dtype}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("backend", GPUS)
def test_integer_division_and_negative_powers(backend):
    """The values the spec leaves open, as documented in binary.cl: x / 0 = 0, MIN / -1 = MIN; a
    negative integer power is the truncated fraction (0 ** -n = 0)."""
    x = np.array([7, -7, 7, -7, -2**31, 5, 0, 2, 1, -1, -1, 0], np.int32)
    y = np.array([2, 2, -2, -2, -1, 0, 0, -1, -3, -3, -2, -1], np.int32)
    model = graph_model([helper.make_node("Div", ["x", "y"], ["div"]), helper.make_node("Pow", ["x", "y"], ["pow"])],
                        {"x": x, "y": y}, ["div", "pow"])
    div, power = gpu_infer.InferenceSession(model, backend=backend, strict=True).run(None, {"x": x, "y": y})
    np.testing.assert_array_equal(div, [3, -3, -3, 3, -2**31, 0, 0, -2, 0, 0, 0, 0])
    np.testing.assert_array_equal(power, [49, 49, 0, 0, 0, 1, 1, 0, 1, -1, 1, 0])


@pytest.mark.parametrize("backend", GPUS)
@pytest.mark.parametrize("dtype,precision", [("float64", "fp32"), ("float16", "fp32"), ("float64", "fp16")])
def test_float64_and_float16_tensors(dtype, precision, backend):
    """float64 computes in double (float16 storage at fp16); a float16 model at fp32 is half storage
    with float arithmetic. Every unary op, every binary op, Clip, Mean, BatchNormalization."""
    from diffcases_elementwise import SPECIAL
    rng = np.random.default_rng(2)
    with np.errstate(over="ignore"):
        x = np.where(rng.random((2, 3, 4, 9)) < 0.2, rng.choice(SPECIAL, (2, 3, 4, 9)),
                     rng.standard_normal((2, 3, 4, 9)) * 3).astype(dtype)
        b = rng.standard_normal((3, 1, 1)).astype(dtype)
    unary = ["Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Erf", "Softplus", "Sqrt",
             "Exp", "Log", "Abs", "Neg", "Reciprocal"]
    if backend == "vulkan" and dtype == "float64":      # GLSL: no double exp, log, tanh (refused at every level)
        unary = ["Relu", "LeakyRelu", "HardSigmoid", "HardSwish", "Sqrt", "Abs", "Neg", "Reciprocal"]
    nodes = [helper.make_node(op, ["x"], [op]) for op in unary]
    nodes += [helper.make_node(op, ["x", "b"], [op]) for op in ("Add", "Sub", "Mul", "Div", "Pow", "PRelu")]
    nodes += [helper.make_node("Max", ["x", "b", "x"], ["Max"]), helper.make_node("Mean", ["x", "b"], ["Mean"]),
              helper.make_node("Clip", ["x", "lo", "hi"], ["Clip"]),
              *([helper.make_node("Gelu", ["x"], ["Gelu"])] if "Exp" in unary else []),
              helper.make_node("BatchNormalization", ["x", "s", "bias", "m", "v"], ["BatchNormalization"])]
    stats = {k: (rng.random(3) + 0.5).astype(dtype) for k in ("s", "bias", "m", "v")}
    model = graph_model(nodes, {"x": x, "b": b}, [n.output[0] for n in nodes], opset=20,
                        initializers={"lo": np.array(-1, dtype), "hi": np.array(2, dtype), **stats})
    feeds = {"x": x, "b": b}
    if precision == "fp16":
        with np.errstate(over="ignore"):
            feeds = {k: v.astype(np.float16).astype(dtype) for k, v in feeds.items()}
    # NumPy rounds float16 to float16 after every operation, the device once
    level = "fp32" if precision == "fp32" and dtype == "float64" else "fp16-storage"
    problems = run_both(model, feeds, precision, level, backend)
    assert not problems, f"{dtype} at {precision}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("backend", GPUS)
def test_pow_mixed_types(backend):
    """Pow's exponent may have another type: an integer exponent of a float base, a float exponent
    of an integer base (computed in double, truncated; a negative base, NaN, is left open)."""
    rng = np.random.default_rng(3)
    xf, xi = rng.standard_normal((4, 9)).astype(np.float32), rng.integers(0, 6, (4, 9)).astype(np.int64)
    ei, ef = rng.integers(-3, 4, (9,)).astype(np.int32), rng.uniform(0, 3, (9,)).astype(np.float32)
    nodes = [helper.make_node("Pow", ["xf", "ei"], ["f_i"]), helper.make_node("Pow", ["xi", "ef"], ["i_f"])]
    feeds = {"xf": xf, "xi": xi, "ei": ei, "ef": ef}
    problems = run_both(graph_model(nodes, feeds, ["f_i", "i_f"]), feeds, backend=backend)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("out,a,b,kernel,sizes", [
    ((2, 3, 4, 5), (2, 3, 4, 5), (2, 3, 4, 5), "row_b", (120, 1)),       # same shape
    ((1, 64, 160, 160), (1, 64, 160, 160), (64, 1, 1), "channel_b", (25600, 64, 1)),   # NCHW bias
    ((1, 64, 160, 160), (1, 64, 1, 1), (1, 64, 160, 160), "channel_a", (25600, 64, 1)),
    ((2, 3, 4, 5), (2, 3, 4, 5), (), "channel_b", (120, 1, 1)),          # scalar
    ((2, 3, 4, 5), (2, 3, 4, 5), (4, 5), "row_b", (20, 6)),              # trailing dims merged
    ((2, 3, 4, 5), (4, 1), (2, 3, 4, 5), "channel_a", (5, 4, 6)),
    ((2, 3, 4, 5), (2, 3, 1, 1), (2, 3, 4, 5), "channel_a", (20, 6, 1)),  # a leading block
    ((1, 1, 7), (1, 1, 7), (1, 1, 1), "channel_b", (7, 1, 1)),
    ((), (), (), "row_b", (1, 1)),
])
def test_broadcast_forms(out, a, b, kernel, sizes):
    path = broadcast.plan(out, a, b)
    assert (path.kernel, path.sizes) == (kernel, sizes)


def test_general_broadcast_merges_dims():
    path = broadcast.plan((2, 3, 4, 5, 6), (2, 3, 1, 1, 6), (1, 1, 4, 5, 1))
    assert path.kernel == "general" and path.sizes == (6, 120)
    np.testing.assert_array_equal(path.table, [1, 1, 1, 6, 20, 6, 0, 0, 0, 6, 0, 1, 0, 0, 0, 0, 1, 0])
    assert broadcast.plan((2,) * 13, (2, 1) * 6 + (2,), (1, 2) * 6 + (1,)) is None      # 13 dims after merging


def test_batchnorm_parameters_prepared_once_per_session():
    rng = np.random.default_rng(4)
    stats = {k: (rng.random(3) + 0.5).astype(np.float32) for k in ("s", "b", "m", "v")}
    graph = helper.make_graph([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])], "bn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "h", "w"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3, "h", "w"])],
                              [numpy_helper.from_array(v, k) for k, v in stats.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    sess = gpu_infer.InferenceSession(model, backend="opencl", strict=True)
    cpu = gpu_infer.InferenceSession(model, backend="cpu")
    uploads = []
    for shape in ((1, 3, 5, 7), (2, 3, 9, 4), (1, 3, 5, 7)):
        x = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(sess.run(None, {"x": x})[0], cpu.run(None, {"x": x})[0], rtol=1e-6, atol=1e-6)
        uploads.append(sess.backends[0].uploads)
    assert [op for _, op, _ in sess.placement()] == ["BatchNormalization"]
    assert uploads[0] == uploads[1] == uploads[2]


def test_refusals_name_the_node_and_types(monkeypatch):
    to_str = graph_model([helper.make_node("Cast", ["x"], ["y"], name="to_str", to=TensorProto.STRING)],
                         {"x": np.zeros((2, 3), np.float32)}, ["y"])
    with pytest.raises(UnsupportedOpError, match="Cast node 'to_str'.*float32, object"):
        gpu_infer.InferenceSession(to_str, backend="opencl", strict=True)
    from gpu_infer.backends.opencl.ops import elementwise
    monkeypatch.setattr(elementwise, "device_has_fp64", lambda: False)   # a device without double
    add = graph_model([helper.make_node("Add", ["x", "x"], ["y"], name="add64")], {"x": np.ones(3)}, ["y"])
    with pytest.raises(UnsupportedOpError, match="Add node 'add64'.*float64"):
        gpu_infer.InferenceSession(add, backend="opencl", strict=True)
    sess = gpu_infer.InferenceSession(add, backend="opencl")
    assert [backend for _, _, backend in sess.placement()] == ["cpu"]
    np.testing.assert_array_equal(sess.run(None, {"x": np.ones(3)})[0], [2, 2, 2])
