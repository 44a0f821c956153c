"""Real models on the CPU backend against onnxruntime: the PaddleOCR pair and onnx's light_* models."""
from __future__ import annotations

import glob
import os

import numpy as np
import onnx
import pytest

import gpu_infer
from helpers import CLS_MODEL, DET_MODEL, ort_run, rel_err, text_image

LIGHT_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
LIGHT_MODELS = sorted(glob.glob(os.path.join(LIGHT_DIR, "light_*.onnx")))


@pytest.mark.parametrize("shape", [(1, 3, 48, 192), (3, 3, 48, 320)])
def test_cls_matches_onnxruntime(shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu", strict=True)
    (got,) = sess.run(None, {"x": x})
    (want,) = ort_run(CLS_MODEL, {"x": x})
    assert got.shape == want.shape == (shape[0], 2)
    assert rel_err(got, want) < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(1, 3, 640, 640), (1, 3, 320, 256)])
def test_det_matches_onnxruntime(shape):
    """The DBNet detector, compared on its logits (the input of the final Sigmoid) and its
    probability map, against onnxruntime with its graph optimizations off.

    Float32 rounding through ~200 layers moves a few probabilities near 0.5 by ~1e-4
    (onnxruntime's own optimized and unoptimized graphs differ by 7e-4 on this input), so
    the 1e-4 relative bound is checked on the logits and the map gets 3e-4 absolute.
    """
    import onnxruntime as ort
    model = onnx.load(DET_MODEL)
    model.graph.output.append(onnx.helper.make_tensor_value_info("p2o.Add.281", onnx.TensorProto.FLOAT, ["n", "c", "h", "w"]))
    x = text_image(*shape[2:])
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    want_map, want_logits = ort.InferenceSession(model.SerializeToString(), so,
                                                 providers=["CPUExecutionProvider"]).run(None, {"x": x})
    got_map, got_logits = gpu_infer.InferenceSession(model, backend="cpu", strict=True).run(None, {"x": x})
    assert got_map.shape == want_map.shape == (1, 1) + shape[2:]
    assert want_map.max() > 0.9                       # the page has text: the map is not trivial
    assert rel_err(got_logits, want_logits) < 1e-4
    assert np.max(np.abs(got_map - want_map)) < 3e-4


def with_softmax_logits(model: onnx.ModelProto) -> tuple[onnx.ModelProto, str | None]:
    """The model with the input of its final Softmax (the logits) added as an extra output, and that
    tensor's name (None when no graph output comes from a Softmax)."""
    outputs = {o.name for o in model.graph.output}
    final = [n for n in model.graph.node if n.op_type == "Softmax" and n.output[0] in outputs]
    if not final:
        return model, None
    logits = final[-1].input[0]
    info = next(o for o in model.graph.output if o.name == final[-1].output[0])
    model.graph.output.add().CopyFrom(info)             # a softmax keeps its input's shape and type
    model.graph.output[-1].name = logits
    return model, logits


def softmax_bound(probs: np.ndarray, logit_error: float) -> float:
    """How far a softmax can move when every logit moves by at most `logit_error`: each
    probability scales by a factor within exp(+-2 * logit_error), plus float32 rounding."""
    return float(np.max(probs)) * float(np.expm1(min(2 * logit_error, 80.0))) + 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("path", LIGHT_MODELS, ids=lambda p: os.path.basename(p)[:-5])
def test_light_model_matches_onnxruntime(path):
    """Compared on the logits (the final Softmax's input), 1e-4 relative, and on the probabilities
    within what the measured logit error allows: light_squeezenet's logits are ~1e10 apart by a few
    float32 steps, so its softmax is ill-conditioned (any ulp picks the winners) and that bound is
    loose there, tight where the logits are moderate."""
    model, logits = with_softmax_logits(onnx.load(path))
    sess = gpu_infer.InferenceSession(model, backend="cpu", strict=True)
    rng = np.random.default_rng(2)
    feeds = {arg.name: rng.random(arg.shape, dtype=np.float32) for arg in sess.get_inputs()}
    got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    want = dict(zip([o.name for o in model.graph.output], ort_run(model.SerializeToString(), feeds)))
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].shape == want[name].shape, name
    if logits is None:
        for name in want:
            assert rel_err(got[name], want[name]) < 1e-4, name
        return
    assert rel_err(got[logits], want[logits]) < 1e-4
    logit_error = float(np.max(np.abs(got[logits].astype(np.float64) - want[logits])))
    probs = model.graph.output[0].name
    assert np.max(np.abs(got[probs] - want[probs])) <= softmax_bound(want[probs], logit_error)
