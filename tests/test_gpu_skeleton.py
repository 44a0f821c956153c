"""Walking skeleton: a model mixing Add/Relu (GPU) with CPU-only ops runs on OpenCL and Vulkan.

The placement shows the split, every crossing is a copy step through on_copy_buffer,
and results match the CPU backend.
"""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.errors import UnsupportedOpError
from gpu_infer.scheduler import probe_all

GPU_BACKENDS = ["opencl", "vulkan"]


def mixed_model():
    """Relu, Add(broadcast) on the GPU; Sin and Mod (not first-wave ops) only on the CPU."""
    bias = helper.make_tensor("bias", TensorProto.FLOAT, [1, 3, 1, 1], [0.5, -1.0, 2.0])
    scale = helper.make_tensor("scale", TensorProto.FLOAT, [3, 1, 1], [1.0, 2.0, -1.0])
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu_gpu"),
        helper.make_node("Add", ["r", "bias"], ["a"], name="add_gpu"),
        helper.make_node("Sin", ["a"], ["s"], name="sin_cpu"),
        helper.make_node("Add", ["s", "x"], ["b"], name="add2_gpu"),
        helper.make_node("Mod", ["b", "scale"], ["m"], name="mod_cpu", fmod=1),
        helper.make_node("Relu", ["m"], ["y"], name="relu2_gpu"),
    ]
    graph = helper.make_graph(nodes, "mixed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 4, 5])],
                              [bias, scale])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("precision", ["fp32", "fp16-storage", "fp16-arith"])
@pytest.mark.parametrize("backend", GPU_BACKENDS)
def test_mixed_model_splits_and_matches_cpu(backend, precision, monkeypatch):
    calls = []
    original = {}
    from gpu_infer.backends.cpu.backend import CPUWorkspace
    from gpu_infer.backends.opencl.backend import CLWorkspace
    from gpu_infer.backends.vulkan.backend import VKWorkspace
    for name, cls in (("cpu", CPUWorkspace), (backend, {"opencl": CLWorkspace, "vulkan": VKWorkspace}[backend])):
        original[name] = cls.on_copy_buffer

        def spy(self, src, dst, _orig=original[name]):
            calls.append((src.name, src.backend.name, dst.backend.name))
            return _orig(self, src, dst)
        monkeypatch.setattr(cls, "on_copy_buffer", spy)

    model = mixed_model()
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    (want,) = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": x})
    calls.clear()
    sess = gpu_infer.InferenceSession(model, backend=backend, precision=precision)
    (got,) = sess.run(None, {"x": x})       # (Vulkan records its copies at pre-inference, once)
    tol = 1e-5 if precision == "fp32" else 2e-2      # fp16: storage rounding at every crossing
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)

    where = {name: b for name, _, b in sess.placement()}
    assert where == {"relu_gpu": backend, "add_gpu": backend, "sin_cpu": "cpu",
                     "add2_gpu": backend, "mod_cpu": "cpu", "relu2_gpu": backend}
    copies = sess.copies()
    # x up, a down, s up, (x already up), b down, m up, y down
    assert copies == [f"copy:x cpu->{backend}", f"copy:a {backend}->cpu", f"copy:s cpu->{backend}",
                      f"copy:b {backend}->cpu", f"copy:m cpu->{backend}", f"copy:y {backend}->cpu"]
    assert len(calls) == len(copies), "every crossing goes through on_copy_buffer, nothing else"


@pytest.mark.parametrize("backend", GPU_BACKENDS)
def test_strict_names_what_the_gpu_backend_lacks(backend):
    with pytest.raises(UnsupportedOpError) as err:
        gpu_infer.InferenceSession(mixed_model(), backend=backend, strict=True)
    text = str(err.value)
    assert "sin_cpu" in text and "mod_cpu" in text and "relu_gpu" not in text


@pytest.mark.parametrize("backend", GPU_BACKENDS)
def test_devices_report_matches_these_drivers(backend):
    """PoCL: fp16 storage through vload_half but no half arithmetic; lavapipe: all three levels;
    any device: the levels nest (half arithmetic needs half storage, which needs fp32)."""
    st = probe_all()[backend]
    valid = [st.precisions[p].valid for p in ("fp32", "fp16-storage", "fp16-arith")]
    assert valid == sorted(valid, reverse=True), st.precisions
    name = (st.device.name or "").lower()
    if backend == "opencl" and "pthread" in name:
        assert st.precisions["fp32"].valid and st.precisions["fp16-storage"].valid
        assert not st.precisions["fp16-arith"].valid
        assert "cl_khr_fp16" in st.precisions["fp16-arith"].reason
    elif backend == "vulkan" and "llvmpipe" in name:
        assert all(valid)
