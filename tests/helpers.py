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
