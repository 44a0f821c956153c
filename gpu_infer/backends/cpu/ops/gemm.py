"""Gemm and MatMul (16-bit floats accumulate in FP32)."""
from __future__ import annotations

import numpy as np

from ..activation import FUSED, apply_activation
from ..registry import NumpyExecution, register
from .conv import compute_dtype


@register("Gemm")
class Gemm(NumpyExecution):
    activations = FUSED              # apply_activation runs every fusable activation

    """Y = alpha * A' @ B' + beta * C, C broadcast to Y (opset<7 `broadcast` allows the same)."""

    def compute(self, a: np.ndarray, b: np.ndarray, c: np.ndarray | None = None) -> np.ndarray:
        at = self.node.attr
        dtype = a.dtype
        acc = compute_dtype(a, b)
        # ints: scale in float64 so a fractional alpha/beta is not truncated before the product
        scale_t = acc if acc.kind not in "iub" else np.dtype(np.float64)
        a = a.astype(acc, copy=False)
        b = b.astype(acc, copy=False)
        a = a.T if at("transA", 0) else a
        b = b.T if at("transB", 0) else b
        y = np.matmul(a, b)
        alpha, beta = float(at("alpha", 1.0)), float(at("beta", 1.0))
        if alpha != 1.0:
            y = y.astype(scale_t, copy=False) * scale_t.type(alpha)
        if c is not None and beta != 0.0:
            c = c.astype(scale_t if beta != 1.0 else y.dtype, copy=False)
            y = y + (c * scale_t.type(beta) if beta != 1.0 else c)
        y = apply_activation(np.asarray(y), self.node.activation)
        return y.astype(dtype, copy=False)


@register("MatMul")
class MatMul(NumpyExecution):
    """numpy.matmul semantics (batched, 1-D operands promoted and squeezed)."""

    def compute(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        acc = compute_dtype(a, b)
        y = np.matmul(a.astype(acc, copy=False), b.astype(acc, copy=False))
        return np.asarray(y).astype(a.dtype, copy=False)
