"""Softmax, LogSoftmax, Hardmax.

Before opset 13 these coerce the input to 2-D at `axis` (default 1) and work on
the flattened trailing block; from 13 on they work along the single `axis` (default -1).
"""
from __future__ import annotations

import math

import numpy as np

from ..registry import NumpyExecution, register
from .axes import axis


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _hardmax(x: np.ndarray, axis: int) -> np.ndarray:
    first = np.expand_dims(np.argmax(x, axis=axis), axis)        # first maximum wins
    idx = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis % x.ndim - 1))
    return (idx == first).astype(x.dtype)


SOFTMAX = {"Softmax": _softmax, "LogSoftmax": _log_softmax, "Hardmax": _hardmax}


@register(*SOFTMAX)
class SoftmaxFamily(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        fn = SOFTMAX[self.node.op_type]
        if x.size == 0:
            return x.copy()
        if self.node.opset >= 13:
            return fn(x, axis(self.node, self.node.attr("axis", -1), x.ndim)).astype(x.dtype, copy=False)
        a = axis(self.node, self.node.attr("axis", 1), x.ndim, extra=1, below=0)   # coerced to 2-D at a
        flat = x.reshape(math.prod(x.shape[:a]), math.prod(x.shape[a:]))
        return fn(flat, 1).reshape(x.shape).astype(x.dtype, copy=False)
