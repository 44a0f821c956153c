"""The Vulkan GEMM and convolution schemes (gpu_infer/backends/vulkan/ops/gemm_core.py, conv*.py):
every candidate a node lists runs and matches the CPU backend when the tuner forces it, the cost
model picks the expected algorithm on the detector's shapes, weights are transformed once per
session, scratch is declared to the planner, and what the shaders cannot index is refused."""
from __future__ import annotations

import gpu_differential_cases  # noqa: F401  (before a family's case file: it imports them all)
import numpy as np
import pytest
from diffcases_gemmconv import case, data
from onnx import TensorProto, helper, numpy_helper
from test_opencl_schemes import CASES, _dynamic_conv, check_every_scheme_when_forced  # the OpenCL nodes

import gpu_infer
from gpu_infer.errors import UnsupportedOpError
from gpu_infer.scheduler.schemes import observing

pytestmark = pytest.mark.vulkan
LEVELS = ["fp32", "fp16-storage", "fp16-arith"]


@pytest.mark.parametrize("precision", LEVELS)
@pytest.mark.parametrize("name", list(CASES))
def test_every_scheme_matches_the_cpu_when_forced(name, precision):
    check_every_scheme_when_forced("vulkan", name, precision)


DETECTOR_CONVS = {   # (input, weight, attributes) of ch_PP-OCRv4_det (and one more) -> what the cost model picks
    "stem 3x3 stride 2": ((1, 3, 640, 640), (16, 3, 3, 3), {"strides": [2, 2], "pads": [1] * 4}, "conv.direct"),
    "depthwise 3x3": ((1, 16, 320, 320), (16, 1, 3, 3), {"group": 16, "pads": [1] * 4}, "conv.depthwise"),
    "depthwise 5x5": ((1, 192, 40, 40), (192, 1, 5, 5), {"group": 192, "pads": [2] * 4}, "conv.depthwise"),
    "pointwise": ((1, 48, 160, 160), (48, 48, 1, 1), {}, "conv.direct"),
    # Winograd measured 0.66x the direct product's time here on lavapipe (PoCL: 1.7x, direct there)
    "head 3x3": ((1, 96, 160, 160), (24, 96, 3, 3), {"pads": [1] * 4}, "conv.winograd_f2x2"),
    "3x3 with many channels": ((1, 256, 28, 28), (256, 256, 3, 3), {"pads": [1] * 4}, "conv.winograd_f2x2"),
}


@pytest.mark.parametrize("name", list(DETECTOR_CONVS))
def test_cost_model_picks_the_expected_algorithm(name):
    x_shape, w_shape, attrs, family = DETECTOR_CONVS[name]
    model = case("Conv", name, {"x": np.zeros(x_shape, np.float32)},
                 {"w": np.ones(w_shape, np.float32), "b": np.zeros(w_shape[0], np.float32)}, **attrs).model
    with observing() as seen:
        gpu_infer.InferenceSession(model, backend="vulkan", strict=True)         # static shapes: planned now
    assert seen and seen[0].chosen.name.split(".")[:2] == family.split("."), seen


def test_weights_are_packed_once_per_session_across_input_shapes():
    sess = gpu_infer.InferenceSession(_dynamic_conv(), backend="vulkan", strict=True)
    rng = np.random.default_rng(2)
    counts = []
    for shape in [(1, 8, 9, 17), (2, 8, 11, 13), (1, 8, 9, 17)]:
        x = data(rng, *shape)
        (got,) = sess.run(None, {"x": x})
        (want,) = gpu_infer.InferenceSession(_dynamic_conv(), backend="cpu").run(None, {"x": x})
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        counts.append(sess.backends[0].uploads)
    assert counts[0] >= 1 and counts[2] == counts[1]


def test_scratch_is_declared_and_planned():
    x = data(np.random.default_rng(3), 1, 8, 12, 12)
    sess = gpu_infer.InferenceSession(_dynamic_conv(), backend="vulkan", strict=True)
    sess.run(None, {"x": x})
    assert sess.memory_plan().per_backend["vulkan"]["scratch_bytes"] >= 8 * 14 * 14 * 4   # the padded planes


def test_a_convolution_too_large_to_index_is_refused_in_strict_mode():
    """The input fits the 32-bit indexing, its padded planes (scratch) do not."""
    w = numpy_helper.from_array(np.ones((4, 4, 3, 3), np.float32), "w")
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], name="big")], "big",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 23170, 23170])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 23170, 23170])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(UnsupportedOpError, match="big.*32-bit indexing"):
        gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
