"""Activations: Relu and friends, PRelu, Clip, Gelu, Shrink, ...

Each table entry is ``fn(x, attr)`` where ``attr(name, default)`` returns the
node attribute as a scalar of x's dtype, so float32 math stays float32.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..registry import NumpyExecution, register
from .unary import erf

Attr = Callable[[str, float], Any]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0, -x))       # no overflow for large |x|


def _gelu(x: np.ndarray, a: Attr) -> np.ndarray:
    half, one = x.dtype.type(0.5), x.dtype.type(1)
    if a("approximate", "none") == "tanh":
        inner = x.dtype.type(math.sqrt(2 / math.pi)) * (x + x.dtype.type(0.044715) * x ** 3)
        return half * x * (one + np.tanh(inner))
    return half * x * (one + erf(x / x.dtype.type(math.sqrt(2))))


ACTIVATIONS: dict[str, Callable[[np.ndarray, Attr], np.ndarray]] = {
    "Relu": lambda x, a: np.maximum(x, x.dtype.type(0)),
    "LeakyRelu": lambda x, a: np.where(x >= 0, x, x * a("alpha", 0.01)),
    "Sigmoid": lambda x, a: _sigmoid(x),
    "HardSigmoid": lambda x, a: np.clip(x * a("alpha", 0.2) + a("beta", 0.5), 0, 1),
    "HardSwish": lambda x, a: x * np.clip(x / a("", 6) + a("", 0.5), 0, 1),
    "Tanh": lambda x, a: np.tanh(x),
    "Elu": lambda x, a: np.where(x >= 0, x, a("alpha", 1.0) * np.expm1(np.minimum(x, 0))),
    "Selu": lambda x, a: a("gamma", 1.05070102214813232421875) * np.where(
        x > 0, x, a("alpha", 1.67326319217681884765625) * np.expm1(np.minimum(x, 0))),
    "Celu": lambda x, a: np.maximum(x, 0) + np.minimum(
        0, a("alpha", 1.0) * np.expm1(np.minimum(x, 0) / a("alpha", 1.0))),
    "Gelu": _gelu,
    "Softplus": lambda x, a: np.logaddexp(x.dtype.type(0), x),
    "Softsign": lambda x, a: x / (a("", 1) + np.abs(x)),
    "ThresholdedRelu": lambda x, a: np.where(x > a("alpha", 1.0), x, 0),
    "Mish": lambda x, a: x * np.tanh(np.logaddexp(x.dtype.type(0), x)),
    "Shrink": lambda x, a: np.where(x < -a("lambd", 0.5), x + a("bias", 0.0),
                                    np.where(x > a("lambd", 0.5), x - a("bias", 0.0), 0)),
}


@register(*ACTIVATIONS)
class Activation(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        def attr(name: str, default: Any) -> Any:
            value = self.node.attr(name, default) if name else default
            return value if isinstance(value, str) else x.dtype.type(value)
        if self.node.op_type == "Relu":
            return self.ufunc_into(np.maximum, x, np.zeros((), x.dtype))
        with np.errstate(all="ignore"):
            return np.asarray(ACTIVATIONS[self.node.op_type](x, attr)).astype(x.dtype, copy=False)


@register("PRelu")
class PRelu(NumpyExecution):
    def compute(self, x: np.ndarray, slope: np.ndarray) -> np.ndarray:
        if self.node.opset < 7 and slope.ndim == 1 and x.ndim > 2 and slope.shape[0] == x.shape[1]:
            slope = slope.reshape((-1,) + (1,) * (x.ndim - 2))   # old per-channel slope
        return np.where(x < 0, x * slope.astype(x.dtype), x).astype(x.dtype, copy=False)


@register("Clip")
class Clip(NumpyExecution):
    def compute(self, x: np.ndarray, lo: np.ndarray | None = None,
                hi: np.ndarray | None = None) -> np.ndarray:
        if self.node.opset < 11:
            lo, hi = self.node.attr("min"), self.node.attr("max")
        y = x
        if lo is not None and np.size(lo):
            y = self.ufunc_into(np.maximum, y, np.asarray(lo).astype(x.dtype))
        if hi is not None and np.size(hi):                     # min > max gives max, per spec
            y = self.ufunc_into(np.minimum, y, np.asarray(hi).astype(x.dtype))
        return np.asarray(y, x.dtype)
