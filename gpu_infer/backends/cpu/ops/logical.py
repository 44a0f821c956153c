"""Comparisons and boolean logic (bool results), and Where."""
from __future__ import annotations

import numpy as np

from ..registry import NumpyExecution, register
from .binary import legacy_broadcast

LOGICAL = {
    "Equal": np.equal, "Less": np.less, "Greater": np.greater, "LessOrEqual": np.less_equal,
    "GreaterOrEqual": np.greater_equal, "And": np.logical_and, "Or": np.logical_or,
    "Xor": np.logical_xor,
}


@register(*LOGICAL)
class Logical(NumpyExecution):
    def compute(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(LOGICAL[self.node.op_type](a, legacy_broadcast(self.node, a, b)), bool)


@register("Where")
class Where(NumpyExecution):
    def compute(self, cond: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.where(cond, x, y).astype(x.dtype, copy=False)
