"""The public API contract and every bad input the issue names."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.errors import (DeviceError, GpuInferError, InputError, ModelLoadError,
                              UnsupportedOpError)
from helpers import CLS_MODEL


def small_model(op="Relu", domain="", opset=17):
    node = helper.make_node(op, ["x"], ["y"], domain=domain, name="n0")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    imports = [helper.make_opsetid("", opset)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=imports)


def test_metadata_like_onnxruntime():
    sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu")
    (inp,) = sess.get_inputs()
    assert inp.name == "x" and inp.type == "tensor(float)" and inp.shape[1] == 3 and len(inp.shape) == 4
    (out,) = sess.get_outputs()
    assert out.type == "tensor(float)" and out.shape[1] == 2


def test_run_with_output_names_placement_and_memory_plan():
    sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu")
    x = np.zeros((1, 3, 48, 192), np.float32)
    name = sess.get_outputs()[0].name
    (y,) = sess.run([name], {"x": x})
    assert y.shape == (1, 2)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)       # softmax
    placement = sess.placement()
    assert placement and all(b == "cpu" for _, _, b in placement)
    mem = sess.memory_plan()
    assert 0 < mem.planned_bytes < mem.naive_bytes and mem.static_bytes > 0
    with pytest.raises(InputError, match="unknown output"):
        sess.run(["nope"], {"x": x})


def test_new_shape_reruns_pre_inference_and_is_cached():
    sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu")
    a = np.zeros((1, 3, 48, 192), np.float32)
    b = np.zeros((2, 3, 48, 96), np.float32)
    sess.run(None, {"x": a})
    sess.run(None, {"x": b})
    sess.run(None, {"x": a})
    assert len(sess._cache.plans()) == 2
    assert sess.memory_plan({"x": b}).naive_bytes != sess.memory_plan({"x": a}).naive_bytes


def test_model_from_path_bytes_and_proto_agree(tmp_path):
    model = small_model()
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    x = np.array([[-1, 2, -3, 4]], np.float32)
    for src in (model, model.SerializeToString(), str(path), path):
        (y,) = gpu_infer.InferenceSession(src, backend="cpu").run(None, {"x": x})
        np.testing.assert_array_equal(y, np.maximum(x, 0))


# --- bad input: a clear exception of the package's own type ----------------------------
def test_garbage_bytes(tmp_path):
    p = tmp_path / "bad.onnx"
    p.write_bytes(b"\x00\xffthis is not a protobuf at all" * 10)
    with pytest.raises(ModelLoadError):
        gpu_infer.InferenceSession(str(p))


def test_truncated_model(tmp_path):
    data = CLS_MODEL.read_bytes()
    p = tmp_path / "trunc.onnx"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError):
        gpu_infer.InferenceSession(str(p))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.one_of(st.none(), st.integers(0, 10**6)),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=20))
def test_corrupted_model_bytes_fail_cleanly(cut, edits):
    """Random truncations and byte edits of a real model: it loads and runs, or raises our own error."""
    data = bytearray(CLS_MODEL.read_bytes())
    for pos, value in edits:
        data[pos % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    x = np.random.default_rng(0).random((1, 3, 48, 192), np.float32)
    try:
        sess = gpu_infer.InferenceSession(bytes(data), backend="cpu")
        sess.run(None, {i.name: x for i in sess.get_inputs()[:1]})
    except GpuInferError:
        pass


def test_tensor_larger_than_host_memory_is_refused_before_allocating():
    """An Expand to 36 TiB: named DeviceError at pre-inference, no MemoryError, no swap storm."""
    from onnx import numpy_helper
    graph = helper.make_graph([helper.make_node("Expand", ["x", "s"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [100000, 100000, 1000])],
                              [numpy_helper.from_array(np.array([100000, 100000, 1000], np.int64), "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(DeviceError, match="tensor 'y' needs .* host memory"):
        gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": np.ones((1, 1), np.float32)})


def test_missing_file():
    with pytest.raises(ModelLoadError, match="nope.onnx"):
        gpu_infer.InferenceSession("/nonexistent/nope.onnx")


def test_unknown_custom_op_is_named():
    with pytest.raises(UnsupportedOpError, match="FancyOp.*com.example"):
        gpu_infer.InferenceSession(small_model("FancyOp", domain="com.example"), backend="cpu")


def test_unimplemented_standard_op_is_named_with_opset():
    with pytest.raises(UnsupportedOpError, match=r"Det .*opset 17"):
        gpu_infer.InferenceSession(small_model("Det"), backend="cpu")


@pytest.mark.parametrize("feeds, message", [
    ({"y": np.zeros((1, 4), np.float32)}, "unknown input"),
    ({}, "missing input"),
    ({"x": np.zeros((1, 4, 1), np.float32)}, "rank"),
    ({"x": np.zeros((1, 5), np.float32)}, "dimension 1 must be 4"),
    ({"x": np.zeros((1, 4), np.int32)}, "dtype"),
])
def test_bad_feeds(feeds, message):
    sess = gpu_infer.InferenceSession(small_model(), backend="cpu")
    with pytest.raises(InputError, match=message):
        sess.run(None, feeds)


def test_feeds_not_a_dict():
    sess = gpu_infer.InferenceSession(small_model(), backend="cpu")
    with pytest.raises(InputError):
        sess.run(None, [np.zeros((1, 4), np.float32)])


def test_unknown_backend_and_precision():
    with pytest.raises(DeviceError, match="unknown backend"):
        gpu_infer.InferenceSession(small_model(), backend="cuda")
    with pytest.raises(DeviceError, match="unknown precision"):
        gpu_infer.InferenceSession(small_model(), backend="cpu", precision="int4")


def test_errors_share_one_base():
    for cls in (ModelLoadError, UnsupportedOpError, InputError, DeviceError):
        assert issubclass(cls, GpuInferError)


def test_list_devices_reports_every_backend():
    statuses = gpu_infer.list_devices()
    assert {s.backend for s in statuses} == {"cpu", "opencl", "vulkan"}
    for s in statuses:
        assert s.reason
        assert set(s.precisions) == {"fp32", "fp16-storage", "fp16-arith"}


def test_onnx_backend_adapter_accepts_numpy_scalars():
    node = helper.make_node("Add", ["a", "b"], ["c"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, []),
                                            helper.make_tensor_value_info("b", TensorProto.FLOAT, [])],
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, [])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    rep = gpu_infer.onnx_backend.prepare(model, device="CPU", backend="cpu")
    (c,) = rep.run([np.float32(1.5), np.float32(2.0)])
    assert c.shape == () and c == np.float32(3.5)
    assert gpu_infer.onnx_backend.supports_device("CPU")
