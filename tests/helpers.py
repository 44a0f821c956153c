"""Shared test helpers."""
from __future__ import annotations

from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
MODELS = DATA / "models"
CLS_MODEL = Path(__file__).parent.parent / "gpu_infer" / "models" / "ch_ppocr_mobile_v2.0_cls_infer.onnx"
DET_MODEL = MODELS / "ch_PP-OCRv4_det_infer.onnx"


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want|: a relative error that does not blow up near zeros."""
    want64 = np.asarray(want, np.float64)
    scale = max(float(np.max(np.abs(want64))), 1e-12) if want64.size else 1.0
    return float(np.max(np.abs(np.asarray(got, np.float64) - want64))) / scale if want64.size else 0.0


def ort_run(model_path_or_bytes, feeds):
    import onnxruntime as ort
    src = str(model_path_or_bytes) if isinstance(model_path_or_bytes, Path) else model_path_or_bytes
    sess = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def text_image(h: int, w: int, seed: int = 1) -> np.ndarray:
    """A synthetic page (dark bars on white), normalised as PaddleOCR does: the detector's
    output on noise is all ~0, which compares nothing."""
    rng = np.random.default_rng(seed)
    img = np.ones((h, w, 3), np.float32)
    for _ in range(12):
        y, x = rng.integers(0, h - 24), rng.integers(0, w - 120)
        bh, bw = rng.integers(8, 20), rng.integers(40, 120)
        for k in range(x, x + bw, 9):
            img[y:y + bh, k:k + 6] = 0.1
    x = (img - np.array([0.485, 0.456, 0.406], np.float32)) / np.array([0.229, 0.224, 0.225], np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def need_backend(backend: str) -> None:
    """Skip the calling test when `backend` is invalid on this machine (the CPU always is valid)."""
    import pytest
    from gpu_infer.scheduler import probe_all
    st = probe_all()[backend]
    if not st.valid:
        pytest.skip(f"{backend} invalid here: {st.reason}")
