"""Activations that the optimizer fuses into Conv / ConvTranspose / Gemm (CPU side)."""
from __future__ import annotations

import numpy as np

from ...ir import Activation


def apply_activation(x: np.ndarray, act: Activation | None) -> np.ndarray:
    if act is None:
        return x
    a = act.attrs
    op = act.op_type
    if op == "Relu":
        return np.maximum(x, 0, dtype=x.dtype)
    if op == "Clip":
        lo, hi = a.get("min", -np.inf), a.get("max", np.inf)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)
    if op == "LeakyRelu":
        return np.where(x >= 0, x, x * np.asarray(a.get("alpha", 0.01), x.dtype))
    if op == "Sigmoid":
        return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype, copy=False)
    if op == "HardSigmoid":
        alpha, beta = a.get("alpha", 0.2), a.get("beta", 0.5)
        return np.clip(x * np.asarray(alpha, x.dtype) + np.asarray(beta, x.dtype), 0, 1).astype(x.dtype, copy=False)
    if op == "HardSwish":
        return (x * np.clip(x / np.asarray(6, x.dtype) + np.asarray(0.5, x.dtype), 0, 1)).astype(x.dtype, copy=False)
    raise ValueError(f"unknown fused activation {op}")


FUSABLE_ACTIVATIONS = ("Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish")
