"""Gemm and MatMul."""
from __future__ import annotations

import numpy as np

from ..activation import apply_activation
from ..registry import NumpyExecution, register


@register("Gemm")
class Gemm(NumpyExecution):
    def compute(self, a: np.ndarray, b: np.ndarray, c: np.ndarray | None = None) -> np.ndarray:
        at = self.node.attr
        a = a.T if at("transA", 0) else a
        b = b.T if at("transB", 0) else b
        y = np.matmul(a, b)
        alpha, beta = at("alpha", 1.0), at("beta", 1.0)
        if alpha != 1.0:
            y = y * np.asarray(alpha, y.dtype)
        if c is not None and beta != 0.0:
            y = y + (c * np.asarray(beta, c.dtype) if beta != 1.0 else c)
        return apply_activation(np.asarray(y).astype(a.dtype, copy=False), self.node.activation)


@register("MatMul")
class MatMul(NumpyExecution):
    def compute(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(a, b)
