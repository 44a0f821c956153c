"""The GPU skeleton ops (Relu, broadcasting Add) on each GPU backend and precision level, strict, against NumPy.

tests/conftest.py skips a backend or level the device lacks, with the probe's reason (PoCL has
no cl_khr_fp16, so OpenCL fp16-arith), and fails it instead under GPU_INFER_REQUIRE.
"""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.errors import DeviceError
from gpu_infer.scheduler import probe_all

BACKENDS = ["opencl", "vulkan"]
PRECISIONS = {"fp32": 1e-6, "fp16-storage": 2e-3, "fp16-arith": 2e-3}     # relative tolerance
SHAPES = [((2, 3, 4, 5), (2, 3, 4, 5)), ((2, 3, 4, 5), (1, 3, 1, 1)), ((2, 3, 4, 5), (5,)), ((4, 1), (1, 3)),
          ((1, 3, 1, 5), (2, 1, 4, 1)), ((3, 1, 2, 1, 2, 2), (2, 1, 2, 2)), ((), ()), ((7,), ())]


def stored(x: np.ndarray, precision: str) -> np.ndarray:
    """x as the device holds it: rounded to float16 at the fp16 levels."""
    return x if precision == "fp32" else x.astype(np.float16).astype(np.float32)


def model(a_shape, b_shape):
    out = np.broadcast_shapes(a_shape, b_shape)
    nodes = [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Relu", ["s"], ["y"])]
    graph = helper.make_graph(nodes, "add_relu", [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_shape),
                                                  helper.make_tensor_value_info("b", TensorProto.FLOAT, b_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, out)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("a_shape,b_shape", SHAPES, ids=str)
@pytest.mark.parametrize("backend", BACKENDS)
def test_add_relu_broadcast(backend, a_shape, b_shape, precision):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    sess = gpu_infer.InferenceSession(model(a_shape, b_shape), backend=backend, precision=precision, strict=True)
    assert {b for _, _, b in sess.placement()} == {backend}
    want = np.maximum(stored(a, precision) + stored(b, precision), 0)
    for _ in range(2):                              # replay gives the same answer
        (got,) = sess.run(None, {"a": a, "b": b})
        np.testing.assert_allclose(got, want, rtol=PRECISIONS[precision], atol=PRECISIONS[precision] * 4)


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_constant_operand_is_uploaded_once(backend, precision):
    w = helper.make_tensor("w", TensorProto.FLOAT, [3], [1.0, -2.0, 0.5])
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], [w])
    sess = gpu_infer.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                                      backend=backend, precision=precision, strict=True)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_allclose(y, x + np.array([1.0, -2.0, 0.5], np.float32))
    assert sess.memory_plan().static_bytes > 0
    assert sess.copies() == [f"copy:x cpu->{backend}", f"copy:y {backend}->cpu"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_tensor_too_large_for_the_device(backend, monkeypatch):
    st = probe_all()[backend]
    from gpu_infer.pipeline import backend_choice
    cls = backend_choice._factory(backend)
    monkeypatch.setattr(cls, "max_buffer_bytes", property(lambda self: 1024), raising=False)
    with pytest.raises(DeviceError, match="MiB"):
        gpu_infer.InferenceSession(model((64, 64), (64, 64)), backend=backend, strict=True)
    assert st.valid


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("backend", ["vulkan"])
def test_vulkan_records_once_and_submits_once_per_run(backend, precision, monkeypatch):
    from gpu_infer.backends.vulkan.runtime import VKRuntime
    from gpu_infer.backends.vulkan.segment import Segment
    recorded, submits = [], []
    record, submit = Segment.record, VKRuntime.submit_and_wait
    monkeypatch.setattr(Segment, "record", lambda self: recorded.append(self) or record(self))
    monkeypatch.setattr(VKRuntime, "submit_and_wait", lambda self, *a: submits.append(1) or submit(self, *a))
    sess = gpu_infer.InferenceSession(model((2, 3, 4, 5), (3, 1, 1)), backend=backend, precision=precision,
                                      strict=True)
    a = np.ones((2, 3, 4, 5), np.float32)
    for k in range(3):
        (y,) = sess.run(None, {"a": a * k, "b": np.full((3, 1, 1), -1, np.float32)})
        np.testing.assert_allclose(y, np.maximum(a * k - 1, 0))
    # one command buffer, recorded once: two uploads, Add, Relu, the read-back
    assert len(recorded) == 1 and len(recorded[0].items) == 5
    assert len(submits) == 3        # one submit per run, copies included


@pytest.mark.parametrize("backend", BACKENDS)
def test_probe_reports_capabilities(backend):
    st = probe_all()[backend]
    props = st.device.properties
    if backend == "opencl":
        assert props["compute_units"] > 0 and props["max_work_group_size"] > 0 and props["local_mem_bytes"] > 0
        assert st.precisions["fp16-arith"].valid == props["cl_khr_fp16"]
    else:
        assert props["subgroup_size"] > 0 and props["max_storage_buffer_range"] > 0
        assert st.precisions["fp16-storage"].valid == props["storageBuffer16BitAccess"]
        assert st.precisions["fp16-arith"].valid == (props["shaderFloat16"] and props["storageBuffer16BitAccess"])
