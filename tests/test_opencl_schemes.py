"""The OpenCL GEMM and convolution schemes (gpu_infer/backends/opencl/ops/gemm_core.py, conv*.py):
every candidate a node lists runs and matches the CPU backend when the tuner forces it, the cost
model picks the expected algorithm on the detector's shapes, weights are transformed once per
session, scratch is declared to the planner, and what the kernels cannot index is refused."""
from __future__ import annotations

import gpu_differential_cases  # noqa: F401  (before a family's case file: it imports them all)
import numpy as np
import onnx
import pytest
from diffcases_gemmconv import activated, case, data, weights
from onnx import TensorProto, helper, numpy_helper
from test_gpu_differential import mismatches, stored, stored_model

import gpu_infer
import gpu_infer.backends.opencl.ops.gemm_core as gemm_core
from gpu_infer.errors import UnsupportedOpError
from gpu_infer.scheduler.schemes import Scheme, forcing, observing

pytestmark = pytest.mark.opencl


def _cases(rng: np.random.Generator) -> dict[str, tuple[onnx.ModelProto, dict[str, np.ndarray]]]:
    relu = ("Relu", {}, {})
    made = [
        activated("Conv", "3x3 batch 2", {"x": data(rng, 2, 16, 9, 21)},
                  {"w": weights(rng, 12, 16, 3, 3), "b": data(rng, 12)}, relu, pads=[1, 1, 1, 1]),
        case("Conv", "depthwise 5x5 stride 2", {"x": data(rng, 1, 6, 13, 35)},
             {"w": weights(rng, 6, 1, 5, 5), "b": data(rng, 6)}, group=6, strides=[2, 2], pads=[2, 2, 2, 2]),
        case("Conv", "pointwise", {"x": data(rng, 2, 10, 7, 37)}, {"w": weights(rng, 13, 10, 1, 1)}),
        case("ConvTranspose", "upsampling", {"x": data(rng, 1, 5, 6, 19)}, {"w": weights(rng, 5, 7, 2, 2)},
             strides=[2, 2]),
        case("Gemm", "transposed", {"a": data(rng, 33, 9)}, {"b": data(rng, 21, 33), "c": data(rng, 21)},
             transA=1, transB=1),
        case("MatMul", "batched", {"a": data(rng, 3, 10, 17), "b": data(rng, 3, 17, 41)}),
    ]
    return {c.name: (c.model, c.feeds) for c in made}


CASES = _cases(np.random.default_rng(8))


def listed(backend: str, model: onnx.ModelProto, feeds: dict, precision: str) -> tuple[str, list[Scheme]]:
    """The op key and candidate schemes the node asks `choose` about when it is planned."""
    with observing() as seen:
        gpu_infer.InferenceSession(model, backend=backend, precision=precision, strict=True).run(None, feeds)
    assert len(seen) == 1, seen
    return seen[0].op_key, list(seen[0].candidates)


def check_every_scheme_when_forced(backend: str, name: str, precision: str) -> None:
    """Every candidate of CASES[name], forced through the tuner's key, is the one chosen and
    matches the CPU backend (on the inputs as stored at `precision`)."""
    model, feeds = CASES[name]
    key, candidates = listed(backend, model, feeds, precision)
    assert len(candidates) >= 3, [c.name for c in candidates]
    feeds = {k: stored(v, precision) for k, v in feeds.items()}
    (want,) = gpu_infer.InferenceSession(stored_model(model, precision), backend="cpu").run(None, feeds)
    problems = []
    for scheme in candidates:
        with forcing({key: scheme}), observing() as seen:
            (got,) = gpu_infer.InferenceSession(model, backend=backend, precision=precision,
                                                strict=True).run(None, feeds)
        assert [c.chosen for c in seen] == [scheme]
        problems += [f"{scheme.name}: {p}" for p in mismatches(got, stored(want, precision), precision, False)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("precision", ["fp32", "fp16-storage"])
@pytest.mark.parametrize("name", list(CASES))
def test_every_scheme_matches_the_cpu_when_forced(name, precision):
    check_every_scheme_when_forced("opencl", name, precision)


DETECTOR_CONVS = {   # (input, weight, attributes) of ch_PP-OCRv4_det (and one more) -> what the cost model picks
    "stem 3x3 stride 2": ((1, 3, 640, 640), (16, 3, 3, 3), {"strides": [2, 2], "pads": [1] * 4}, "conv.direct"),
    "depthwise 3x3": ((1, 16, 320, 320), (16, 1, 3, 3), {"group": 16, "pads": [1] * 4}, "conv.depthwise"),
    "depthwise 5x5": ((1, 192, 40, 40), (192, 1, 5, 5), {"group": 192, "pads": [2] * 4}, "conv.depthwise"),
    "pointwise": ((1, 48, 160, 160), (48, 48, 1, 1), {}, "conv.direct"),
    "head 3x3": ((1, 96, 160, 160), (24, 96, 3, 3), {"pads": [1] * 4}, "conv.direct"),
    "3x3 with many channels": ((1, 256, 28, 28), (256, 256, 3, 3), {"pads": [1] * 4}, "conv.winograd_f2x2"),
}


@pytest.mark.parametrize("name", list(DETECTOR_CONVS))
def test_cost_model_picks_the_expected_algorithm(monkeypatch, name):
    x_shape, w_shape, attrs, family = DETECTOR_CONVS[name]
    model = case("Conv", name, {"x": np.zeros(x_shape, np.float32)},
                 {"w": np.ones(w_shape, np.float32), "b": np.zeros(w_shape[0], np.float32)}, **attrs).model
    chosen = []
    real = gemm_core.choose

    def spy(device, key, candidates):
        chosen.append(min(candidates, key=lambda c: c.cost))
        return real(device, key, candidates)
    monkeypatch.setattr(gemm_core, "choose", spy)
    gpu_infer.InferenceSession(model, backend="opencl", strict=True)         # static shapes: planned now
    assert chosen and chosen[0].name.split(".")[:2] == family.split("."), chosen


def _dynamic_conv() -> onnx.ModelProto:
    w = numpy_helper.from_array(weights(np.random.default_rng(1), 12, 8, 3, 3), "w")
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])], "conv",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8, "h", "w"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 12, "h", "w"])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_weights_are_packed_once_per_session_across_input_shapes():
    sess = gpu_infer.InferenceSession(_dynamic_conv(), backend="opencl", strict=True)
    rng = np.random.default_rng(2)
    shapes = [(1, 8, 9, 17), (2, 8, 11, 13), (1, 8, 9, 17)]
    counts = []
    for shape in shapes:
        x = data(rng, *shape)
        (got,) = sess.run(None, {"x": x})
        (want,) = gpu_infer.InferenceSession(_dynamic_conv(), backend="cpu").run(None, {"x": x})
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        counts.append(sess.backends[0].uploads)
    assert counts[0] >= 1 and counts[2] == counts[1] <= counts[0] + 1    # a new tile shape at most once


def test_scratch_is_declared_and_planned():
    x = data(np.random.default_rng(3), 1, 8, 12, 12)
    sess = gpu_infer.InferenceSession(_dynamic_conv(), backend="opencl", strict=True)
    sess.run(None, {"x": x})
    plan = sess.memory_plan()
    assert plan.per_backend["opencl"]["scratch_bytes"] >= 8 * 14 * 14 * 4      # the padded planes at least


def test_a_convolution_too_large_to_index_is_refused_in_strict_mode():
    w = numpy_helper.from_array(np.ones((4, 4, 3, 3), np.float32), "w")
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], name="big")], "big",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 30000, 30000])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 30000, 30000])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(UnsupportedOpError, match="big.*32-bit indexing"):
        gpu_infer.InferenceSession(model, backend="opencl", strict=True)


def test_local_sizes_shrink_to_the_device_limit():
    assert gemm_core.fit_local((8, 4, 1), 256) == (8, 4, 1)
    assert gemm_core.fit_local((8, 4, 1), 16) == (4, 4, 1)
    assert gemm_core.fit_local((64, 1, 1), 1) == (1, 1, 1)
