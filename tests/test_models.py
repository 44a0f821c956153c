"""Real models on the CPU backend against onnxruntime: the PaddleOCR pair and onnx's light_* models."""
from __future__ import annotations

import glob
import os

import numpy as np
import onnx
import pytest

import gpu_infer
from helpers import CLS_MODEL, DET_MODEL, ort_run, rel_err

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
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    sess = gpu_infer.InferenceSession(DET_MODEL, backend="cpu", strict=True)
    (got,) = sess.run(None, {"x": x})
    (want,) = ort_run(DET_MODEL, {"x": x})
    assert got.shape == want.shape == (1, 1) + shape[2:]
    assert rel_err(got, want) < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("path", LIGHT_MODELS, ids=lambda p: os.path.basename(p)[:-5])
def test_light_model_matches_onnxruntime(path):
    model = onnx.load(path)
    sess = gpu_infer.InferenceSession(model, backend="cpu", strict=True)
    feeds = {}
    rng = np.random.default_rng(2)
    for arg in sess.get_inputs():
        feeds[arg.name] = rng.random(arg.shape, dtype=np.float32)
    got = sess.run(None, feeds)
    want = ort_run(model.SerializeToString(), feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert rel_err(g, w) < 1e-4
