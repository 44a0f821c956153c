"""The reducing Vulkan families read float data through texel views (.tx variants: rows as aligned
vec4 quads, with the elements before and after them one at a time; several outputs per
invocation) and fall back to their storage-buffer twins: both paths against the CPU backend, on
shapes whose rows start off a 16-byte boundary and whose lines are not whole tiles."""
from __future__ import annotations

import numpy as np
import pytest
from gpu_differential_cases import node_model
from helpers import need_backend, rel_err

import gpu_infer
from gpu_infer.backends.vulkan.dispatch import VKDispatch
from gpu_infer.backends.vulkan.runtime import get_runtime
from gpu_infer.backends.vulkan.texel import TEXEL_MODES
from gpu_infer.scheduler import probe_all

pytestmark = pytest.mark.vulkan

RNG = np.random.default_rng(23)
X3 = RNG.standard_normal((3, 5, 23)).astype(np.float32)        # rows of 23: heads, quads and tails
X4 = RNG.standard_normal((2, 6, 9, 11)).astype(np.float32)      # lines of 9 and 11: partial tiles


def _scale(n: int) -> np.ndarray:
    return RNG.standard_normal(n).astype(np.float32)


CASES = {
    "ReduceMean-row": (node_model("ReduceMean", {"x": X3}, opset=13, axes=[2]), X3),
    "ReduceMax-column": (node_model("ReduceMax", {"x": X3}, opset=13, axes=[1]), X3),
    "ReduceLogSumExp-rows": (node_model("ReduceLogSumExp", {"x": X3}, opset=13, axes=[0, 2]), X3),
    "GlobalAveragePool": (node_model("GlobalAveragePool", {"x": X4}), X4),
    "Softmax-row": (node_model("Softmax", {"x": X3}, opset=13, axis=2), X3),
    "LogSoftmax-column": (node_model("LogSoftmax", {"x": X3}, opset=13, axis=1), X3),
    "LayerNormalization-no-bias": (node_model("LayerNormalization", {"x": X3}, axis=-1,
                                              initializers={"s": _scale(23)}), X3),
    "InstanceNormalization": (node_model("InstanceNormalization", {"x": X4}, initializers={"s": _scale(6),
                                                                                            "b": _scale(6)}), X4),
    "MaxPool": (node_model("MaxPool", {"x": X4}, kernel_shape=[3, 3], strides=[2, 1], pads=[1, 1, 1, 1]), X4),
    "AveragePool": (node_model("AveragePool", {"x": X4}, kernel_shape=[2, 3], pads=[0, 1, 1, 0],
                               count_include_pad=1), X4),
    "Resize-nearest": (node_model("Resize", {"x": X4}, opset=13, initializers={
        "roi": np.zeros(0, np.float32), "scales": np.array([1, 1, 1.5, 2.5], np.float32)}, mode="nearest"), X4),
    "Resize-cubic": (node_model("Resize", {"x": X4}, opset=13, initializers={
        "roi": np.zeros(0, np.float32), "scales": np.array([1, 1, 1.7, 0.6], np.float32)}, mode="cubic"), X4),
    "LRN": (node_model("LRN", {"x": X4}, size=3), X4),
}


@pytest.fixture
def read_modes(monkeypatch) -> list[str]:
    """The binding modes of every dispatch made (after the fallback's rewrite)."""
    seen: list[str] = []
    made = VKDispatch.__init__

    def spy(self, *args, **kwargs):
        made(self, *args, **kwargs)
        seen.append(self.modes)
    monkeypatch.setattr(VKDispatch, "__init__", spy)
    return seen


@pytest.mark.parametrize("texel", [True, False], ids=["texel", "ssbo"])
@pytest.mark.parametrize("precision", ["fp32", "fp16-storage"])
@pytest.mark.parametrize("case", list(CASES))
def test_texel_and_storage_buffer_reads_match_cpu(monkeypatch, read_modes, case, precision, texel):
    need_backend("vulkan")
    # the path asked for, whatever GPU_INFER_VK_TEXEL says
    monkeypatch.setattr(get_runtime(probe_all()["vulkan"]).texel, "enabled", texel)
    model, x = CASES[case]
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": x})[0]
    session = gpu_infer.InferenceSession(model, backend="vulkan", precision=precision, strict=True)
    got = session.run(None, {"x": x})[0]
    assert got.shape == want.shape
    assert rel_err(got, want) < (1e-5 if precision == "fp32" else 2e-2)
    assert read_modes and all(any(m in TEXEL_MODES for m in modes) == texel for modes in read_modes), read_modes
