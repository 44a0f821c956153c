"""pyopencl failures become DeviceError naming the operation and the device; allocations the
device cannot hold are refused before the driver is asked. pyopencl's calls are monkeypatched
to raise the errors a real driver raises (CL_OUT_OF_RESOURCES, CL_MEM_OBJECT_ALLOCATION_FAILURE...)."""
from __future__ import annotations

import gc

import numpy as np
import pytest
from helpers import need_backend
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.errors import DeviceError

cl = pytest.importorskip("pyopencl")
pytestmark = pytest.mark.opencl

FEEDS = {"x": np.arange(-12, 12, dtype=np.float32).reshape(4, 6), "idx": np.array([2, -1], np.int64)}


def _model() -> bytes:
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Gather", ["r", "idx"], ["g"], axis=1, name="gather"),
             helper.make_node("Add", ["g", "g"], ["y"], name="add")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 6]),
                                           helper.make_tensor_value_info("idx", TensorProto.INT64, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 2])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


@pytest.fixture
def rt():
    need_backend("opencl")
    from gpu_infer.backends.opencl.runtime import get_runtime
    from gpu_infer.scheduler import probe_all
    return get_runtime(probe_all()["opencl"])


def _session():
    return gpu_infer.InferenceSession(_model(), backend="opencl", strict=True)


def _raiser(error: type, message: str):
    def fail(*args, **kwargs):
        raise error(message)
    return fail


def test_a_working_session_first(rt):
    (y,) = _session().run(None, FEEDS)
    np.testing.assert_array_equal(y, 2 * np.maximum(FEEDS["x"], 0)[:, [2, 5]])


def test_enqueue_out_of_resources(rt, monkeypatch):
    sess = _session()
    monkeypatch.setattr(cl, "enqueue_nd_range_kernel",
                        _raiser(cl.RuntimeError, "clEnqueueNDRangeKernel failed: OUT_OF_RESOURCES"))
    with pytest.raises(DeviceError) as err:
        sess.run(None, FEEDS)
    msg = str(err.value)
    assert "enqueue of kernel" in msg and "node 'relu'" in msg and rt.name in msg and "OUT_OF_RESOURCES" in msg


@pytest.mark.parametrize("target,error,operation", [
    ("Buffer", cl.MemoryError, "allocation of"),
    ("Kernel", cl.LogicError, "kernel creation of"),
    ("enqueue_copy", cl.RuntimeError, "copy of"),
    ("enqueue_fill_buffer", cl.RuntimeError, "fill of"),
])
def test_each_kind_of_call(rt, monkeypatch, target, error, operation):
    make = target in ("Buffer", "Kernel")      # made at pre-inference; the rest fail in a run
    sess = None if make else _session()
    monkeypatch.setattr(cl, target, _raiser(error, f"{target} failed: SOMETHING_BAD"))
    with pytest.raises(DeviceError) as err:
        (sess or _session()).run(None, FEEDS)
    assert operation in str(err.value) and rt.name in str(err.value) and "SOMETHING_BAD" in str(err.value)


def test_queue_finish(rt, monkeypatch):
    sess = _session()
    monkeypatch.setattr(cl.CommandQueue, "finish", _raiser(cl.RuntimeError, "clFinish failed: OUT_OF_RESOURCES"))
    with pytest.raises(DeviceError, match="queue finish"):
        sess.run(None, FEEDS)


def test_program_build(rt, monkeypatch):
    from gpu_infer.backends.opencl.runtime import CLRuntime
    monkeypatch.setenv("GPU_INFER_CACHE_DIR", "off")
    fresh = CLRuntime(cl, rt.device)
    monkeypatch.setattr(cl.Program, "build", _raiser(cl.LogicError, "clBuildProgram failed: BUILD_PROGRAM_FAILURE"))
    with pytest.raises(DeviceError, match=r"build of gather\.cl .* failed on .*BUILD_PROGRAM_FAILURE"):
        fresh.program("gather", ["-DELEM_BYTES=4"])


def test_buffers_are_accounted_and_freed(rt):
    gc.collect()                    # sessions dropped by earlier tests free their buffers now, not below
    before = rt.live_bytes
    sess = _session()
    sess.run(None, FEEDS)
    assert rt.live_bytes > before
    sess.close()
    assert rt.live_bytes == before


def test_a_buffer_beyond_the_allocation_limit_never_reaches_the_driver(rt, monkeypatch):
    sizes: list[int] = []
    real = cl.Buffer

    def watched(context, flags, size=0, hostbuf=None):
        sizes.append(size or hostbuf.nbytes)
        return real(context, flags, size, hostbuf=hostbuf) if hostbuf is None else real(context, flags,
                                                                                        hostbuf=hostbuf)
    monkeypatch.setattr(cl, "Buffer", watched)
    monkeypatch.setattr(rt, "max_buffer_bytes", 80)
    with pytest.raises(DeviceError, match="needs .* in one buffer, more than .* allows"):
        _session()
    assert all(size <= 80 for size in sizes)


def test_the_device_memory_in_total(rt, monkeypatch):
    monkeypatch.setattr(rt, "global_mem_bytes", rt.live_bytes + 256)
    with pytest.raises(DeviceError, match="global memory"):
        _session()
