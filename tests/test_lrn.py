"""LRN against independent references: onnxruntime (odd sizes and 4-D only: it refuses the rest) and the
spec's formula written as a loop over channels; a NaN or an infinity reaches only the outputs whose
window holds it (onnxruntime's running sum spreads it to every later channel; onnx's reference
evaluator loops over the batch instead of the channels, so neither decides this)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import gpu_infer
from helpers import ort_run, rel_err

BACKENDS = ["cpu", "opencl"]


def lrn_model(shape: tuple[int, ...], **attrs):
    graph = helper.make_graph([helper.make_node("LRN", ["x"], ["y"], name="lrn", **attrs)], "lrn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def spec_lrn(x: np.ndarray, size: int, alpha: float, beta: float, bias: float) -> np.ndarray:
    """The spec's formula, one channel at a time, in float64."""
    x64, y = x.astype(np.float64), np.empty(x.shape, np.float64)
    lo = (size - 1) // 2
    with np.errstate(invalid="ignore"):           # an infinity over its own power: NaN, as it should
        for c in range(x.shape[1]):
            window = x64[:, max(c - lo, 0):c - lo + size]
            y[:, c] = x64[:, c] / (bias + alpha / size * np.sum(window * window, axis=1)) ** beta
    return y.astype(np.float32)


def run(backend: str, model, x: np.ndarray) -> np.ndarray:
    with gpu_infer.InferenceSession(model, backend=backend, strict=True) as sess:
        return sess.run(None, {"x": x})[0]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape,attrs", [((1, 96, 13, 11), {"size": 5, "alpha": 1e-4, "beta": 0.75, "bias": 1.0}),
                                         ((2, 7, 9, 3), {"size": 3, "alpha": 0.5, "beta": 0.6, "bias": 2.0})])
def test_lrn_matches_onnxruntime(backend, shape, attrs):
    x = (np.random.default_rng(0).standard_normal(shape) * 4).astype(np.float32)
    model = lrn_model(shape, **attrs)
    (want,) = ort_run(model.SerializeToString(), {"x": x})
    assert rel_err(run(backend, model, x), want) < 1e-5


@pytest.mark.parametrize("backend", BACKENDS)
def test_lrn_even_size_and_special_values_follow_the_spec(backend):
    shape, attrs = (2, 9, 3, 5), {"size": 4, "alpha": 0.3, "beta": 0.75, "bias": 1.5}
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    x[0, 1, 0, 0], x[1, 6, 2, 4], x[0, 4, 1, 3] = np.nan, np.inf, -np.inf
    got, want = run(backend, lrn_model(shape, **attrs), x), spec_lrn(x, **attrs)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(want).sum() == 3 + 1 + 1      # channels 0-2 see the NaN; +-inf / inf^0.75 at each infinity
    finite = np.isfinite(want)
    assert rel_err(got[finite], want[finite]) < 1e-5
