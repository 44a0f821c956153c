"""Gather on OpenCL and Vulkan, strict (no fallback), against NumPy and the CPU backend: indices
fed at run time (the gather kernel), constant indices (region copies), every axis, ranks 1..5,
scalar and negative indices, int32 and int64 indices, fp32 and fp16 storage, integer and bool
data, and out-of-range indices refused as on the CPU."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from helpers import need_backend
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.backends.gather_exec import GatherExecution
from gpu_infer.errors import ExecutionError, UnsupportedOpError

GPUS = ["opencl", "vulkan"]


def gather_model(data_shape, data_dtype, indices_shape, indices_dtype, axis: int,
                 constant_indices: np.ndarray | None = None, relu_around: bool = False) -> bytes:
    """Gather(data, indices) with the indices a graph input, or an initializer when given;
    `relu_around` puts a Relu before and after it, so the data comes from a device kernel."""
    data_type = helper.np_dtype_to_tensor_dtype(np.dtype(data_dtype))
    index_type = helper.np_dtype_to_tensor_dtype(np.dtype(indices_dtype))
    out_shape = list(data_shape[:axis % len(data_shape)]) + list(indices_shape) + \
        list(data_shape[axis % len(data_shape) + 1:])
    inputs = [helper.make_tensor_value_info("x", data_type, list(data_shape))]
    inits = []
    if constant_indices is None:
        inputs.append(helper.make_tensor_value_info("idx", index_type, list(indices_shape)))
    else:
        inits.append(numpy_helper.from_array(constant_indices.astype(indices_dtype), "idx"))
    nodes = [helper.make_node("Gather", ["xr" if relu_around else "x", "idx"], ["yr" if relu_around else "y"],
                              axis=axis, name="gather")]
    if relu_around:
        nodes = [helper.make_node("Relu", ["x"], ["xr"], name="relu_in"), *nodes,
                 helper.make_node("Relu", ["yr"], ["y"], name="relu_out")]
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info("y", data_type, out_shape)],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def random_data(shape, dtype, rng) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return rng.standard_normal(shape).astype(dtype)


def random_indices(n: int, shape, dtype, rng) -> np.ndarray:
    """Indices over [-n, n): negative ones count from the end."""
    return rng.integers(-n, n, size=shape).astype(dtype)


def session(model: bytes, backend: str, precision: str = "fp32"):
    need_backend(backend)
    return gpu_infer.InferenceSession(model, backend=backend, precision=precision, strict=True)


def gather_execution(sess) -> GatherExecution:
    (step,) = [s for s in sess._cache.latest().steps if s.node is not None and s.node.op_type == "Gather"]
    return step.execution


# (data shape, axis, indices shape): ranks 1..5, every axis position, scalar and empty indices
SHAPES = [
    ((7,), 0, (3,)),
    ((7,), 0, ()),
    ((4, 6), 0, (2, 3)),
    ((4, 6), 1, (5,)),
    ((4, 6), -1, ()),
    ((3, 4, 5), 1, (2, 2, 2)),
    ((3, 4, 5), 2, (9,)),
    ((2, 3, 4, 5), 0, (4,)),
    ((2, 3, 4, 5), 2, (3, 1)),
    ((2, 3, 2, 3, 4), 4, (6,)),
    ((2, 3, 2, 3, 4), -4, (2, 2)),
    ((6, 2), 0, (0,)),
]


@pytest.mark.parametrize("backend", GPUS)
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("data_shape,axis,indices_shape", SHAPES)
def test_runtime_indices_match_numpy(backend, index_dtype, data_shape, axis, indices_shape):
    rng = np.random.default_rng(len(data_shape) * 10 + axis)
    x = random_data(data_shape, np.float32, rng)
    n = data_shape[axis]
    sess = session(gather_model(data_shape, np.float32, indices_shape, index_dtype, axis), backend)
    for _ in range(2):                        # a second feed through the same plan
        idx = random_indices(n, indices_shape, index_dtype, rng)
        (y,) = sess.run(None, {"x": x, "idx": idx})
        np.testing.assert_array_equal(y, np.take(x, idx, axis=axis))
    assert not gather_execution(sess).uses_regions


@pytest.mark.parametrize("backend", GPUS)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8, np.float16, np.float64,
                                   np.bool_])
def test_every_element_size_is_a_bit_copy(backend, dtype):
    rng = np.random.default_rng(3)
    x, idx = random_data((3, 5, 4), dtype, rng), random_indices(5, (2, 3), np.int64, rng)
    model = gather_model((3, 5, 4), dtype, (2, 3), np.int64, 1)
    need_backend(backend)
    try:
        sess = session(model, backend)
    except UnsupportedOpError as exc:         # 1- and 2-byte storage buffers are an optional Vulkan feature
        assert backend == "vulkan" and "-bit storage" in str(exc)
        pytest.skip(f"{np.dtype(dtype).name} data needs {np.dtype(dtype).itemsize * 8}-bit storage here")
    (y,) = sess.run(None, {"x": x, "idx": idx})
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, np.take(x, idx, axis=1))


@pytest.mark.parametrize("backend", GPUS)
@pytest.mark.parametrize("data_shape,axis,indices_shape", [SHAPES[3], SHAPES[5], SHAPES[9]])
def test_fp16_storage_copies_the_halves(backend, data_shape, axis, indices_shape):
    rng = np.random.default_rng(5)
    x = random_data(data_shape, np.float32, rng)
    idx = random_indices(data_shape[axis], indices_shape, np.int32, rng)
    sess = session(gather_model(data_shape, np.float32, indices_shape, np.int32, axis, relu_around=True),
                   backend, precision="fp16")
    (y,) = sess.run(None, {"x": x, "idx": idx})
    want = np.maximum(np.take(x.astype(np.float16), idx, axis=axis), 0).astype(np.float32)
    np.testing.assert_array_equal(y, want)     # a copy: exact in the storage type


@pytest.mark.parametrize("backend", GPUS)
def test_constant_indices_keep_the_region_path(backend):
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    idx = np.array([[5, 4], [-1, 0]], np.int64)
    sess = session(gather_model((4, 6), np.float32, (2, 2), np.int64, 1, constant_indices=idx), backend)
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_array_equal(y, np.take(x, idx, axis=1))
    assert gather_execution(sess).uses_regions


@pytest.mark.parametrize("backend", GPUS)
def test_device_produced_data_between_kernels(backend):
    rng = np.random.default_rng(8)
    x, idx = random_data((3, 8, 2), np.float32, rng), random_indices(8, (5,), np.int64, rng)
    sess = session(gather_model((3, 8, 2), np.float32, (5,), np.int64, 1, relu_around=True), backend)
    assert {b for _, _, b in sess.placement()} == {backend}
    (y,) = sess.run(None, {"x": x, "idx": idx})
    np.testing.assert_array_equal(y, np.take(np.maximum(x, 0), idx, axis=1))


def _out_of_range_cases():
    big = 2 ** 32 + 1                          # int64 whose low word (1) is in range: must not wrap
    return [(np.int32, [0, 5, -1], "[1] = 5"), (np.int32, [-6, 0, 0], "[0] = -6"),
            (np.int64, [0, 1, big], f"[2] = {big}"), (np.int64, [-big, 0, 1], f"[0] = {-big}")]


@pytest.mark.parametrize("backend", ["cpu"] + GPUS)
@pytest.mark.parametrize("index_dtype,bad,where", _out_of_range_cases())
def test_out_of_range_indices_are_an_error_and_the_next_run_is_clean(backend, index_dtype, bad, where):
    x = np.arange(15, dtype=np.float32).reshape(5, 3)
    sess = session(gather_model((5, 3), np.float32, (3,), index_dtype, 0), backend)
    with pytest.raises(ExecutionError) as err:
        sess.run(None, {"x": x, "idx": np.array(bad, index_dtype)})
    assert "Gather node 'gather'" in str(err.value)
    if backend != "cpu":
        assert f"'idx'{where} is outside [-5, 5) for axis 0 of 'x'" in str(err.value)
    good = np.array([4, -5, 2], index_dtype)
    (y,) = sess.run(None, {"x": x, "idx": good})
    np.testing.assert_array_equal(y, x[[4, 0, 2]])


@pytest.mark.parametrize("backend", GPUS)
def test_onnx_reference_evaluator_agrees(backend):
    """An Embedding-like lookup (a weight table and token ids) against onnx's ReferenceEvaluator."""
    from onnx.reference import ReferenceEvaluator
    rng = np.random.default_rng(11)
    table = rng.standard_normal((50, 16)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["emb"], name="embed")], "embed",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 7])],
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, [2, 7, 16])],
        initializer=[numpy_helper.from_array(table, "table")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    ids = rng.integers(-50, 50, size=(2, 7))
    (want,) = ReferenceEvaluator(model).run(None, {"ids": ids})
    (got,) = session(model.SerializeToString(), backend).run(None, {"ids": ids})
    np.testing.assert_array_equal(got, want)
