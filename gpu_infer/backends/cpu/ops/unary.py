"""Element-wise unary math (Sqrt, Exp, trigonometry, Erf, Not, IsNaN, IsInf, ...)."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..registry import NumpyExecution, register


def erf(x: np.ndarray) -> np.ndarray:
    """Vectorized error function, accurate to ~1e-14; same dtype as `x`.

    NumPy has no erf. Taylor series below |x| = 2.5, Laplace's continued
    fraction for erfc above; both evaluated in float64.
    """
    x64 = np.asarray(x, np.float64)
    a = np.abs(x64)
    small = a < 2.5
    t = np.where(small, a, 0.0)
    t2 = t * t
    term, total = t.copy(), t.copy()
    for n in range(1, 64):
        term *= -t2 / n
        total += term / (2 * n + 1)
    series = total * (2.0 / math.sqrt(math.pi))
    z = np.where(small, 2.5, a)
    frac = z.copy()
    for k in range(80, 0, -1):
        frac = z + (0.5 * k) / frac
    with np.errstate(invalid="ignore", over="ignore"):
        tail = 1.0 - np.exp(-z * z) / (math.sqrt(math.pi) * frac)
    return (np.sign(x64) * np.where(small, series, tail)).astype(np.asarray(x).dtype, copy=False)


UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Sqrt": np.sqrt, "Exp": np.exp, "Log": np.log, "Abs": np.abs, "Neg": np.negative,
    "Reciprocal": np.reciprocal,
    "Floor": np.floor, "Ceil": np.ceil, "Round": np.round, "Sign": np.sign,
    "Sin": np.sin, "Cos": np.cos, "Tan": np.tan, "Asin": np.arcsin, "Acos": np.arccos,
    "Atan": np.arctan, "Sinh": np.sinh, "Cosh": np.cosh, "Asinh": np.arcsinh,
    "Acosh": np.arccosh, "Atanh": np.arctanh, "Erf": erf, "Not": np.logical_not,
    "IsNaN": np.isnan,
}


@register(*UNARY)
class Unary(NumpyExecution):
    """One class for every table entry; NumPy warnings (log(0), sqrt(-1)) follow IEEE silently."""

    def compute(self, x: np.ndarray) -> np.ndarray:
        fn = UNARY[self.node.op_type]
        with np.errstate(all="ignore"):
            y = np.asarray(fn(x))
        if self.node.op_type not in ("Not", "IsNaN") and y.dtype != x.dtype:
            y = y.astype(x.dtype)        # e.g. Floor/Sqrt on ints, Round on float16
        return y


@register("IsInf")
class IsInf(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        neg, pos = self.node.attr("detect_negative", 1), self.node.attr("detect_positive", 1)
        inf = np.isinf(x)
        return inf & (((x < 0) & bool(neg)) | ((x > 0) & bool(pos)))
