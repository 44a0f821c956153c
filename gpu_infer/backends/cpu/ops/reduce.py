"""Reductions (ReduceSum, ReduceMean, ... ReduceLogSumExp) and ArgMax / ArgMin.

Axes come from the ``axes`` attribute before opset 18 (ReduceSum: 13) and from
the optional second input after. Empty or absent axes reduce everything,
unless ``noop_with_empty_axes`` is set, which makes the op an identity. A
reduction over an empty set yields the operation's identity element (0 for
sums, 1 for products, -inf / +inf or the integer limits for Max / Min, and 0 for
the mean, as onnxruntime gives).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..registry import NumpyExecution, register
from .axes import axes as norm_axes
from .axes import axis

Axes = tuple[int, ...]


def _limit(dtype: np.dtype, upper: bool) -> object:
    """The identity element of Min (upper) or Max (lower) for `dtype`."""
    if dtype.kind == "b":
        return upper
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.max if upper else info.min
    return np.inf if upper else -np.inf


def _max(x: np.ndarray, axes: Axes, keep: bool) -> np.ndarray:
    return np.maximum.reduce(x, axis=axes, keepdims=keep, initial=_limit(x.dtype, False))


def _min(x: np.ndarray, axes: Axes, keep: bool) -> np.ndarray:
    return np.minimum.reduce(x, axis=axes, keepdims=keep, initial=_limit(x.dtype, True))


def _sum(x: np.ndarray, axes: Axes, keep: bool) -> np.ndarray:
    return np.sum(x, axis=axes, keepdims=keep, dtype=x.dtype)


def _mean(x: np.ndarray, axes: Axes, keep: bool) -> np.ndarray:
    if any(x.shape[a] == 0 for a in axes):
        return _sum(x, axes, keep)                    # zeros of the reduced shape
    return np.mean(x, axis=axes, keepdims=keep)


def _log_sum_exp(x: np.ndarray, axes: Axes, keep: bool) -> np.ndarray:
    top = _max(x, axes, True)
    top = np.where(np.isfinite(top), top, 0).astype(x.dtype)
    out = np.log(_sum(np.exp(x - top), axes, True)) + top
    return out if keep else np.squeeze(out, axis=axes)


REDUCERS: dict[str, Callable[[np.ndarray, Axes, bool], np.ndarray]] = {
    "ReduceSum": _sum, "ReduceMax": _max, "ReduceMin": _min,
    "ReduceMean": _mean,
    "ReduceProd": lambda x, ax, k: np.prod(x, axis=ax, keepdims=k, dtype=x.dtype),
    "ReduceL1": lambda x, ax, k: _sum(np.abs(x), ax, k),
    "ReduceL2": lambda x, ax, k: np.sqrt(_sum(x * x, ax, k)),
    "ReduceSumSquare": lambda x, ax, k: _sum(x * x, ax, k),
    "ReduceLogSum": lambda x, ax, k: np.log(_sum(x, ax, k)),
    "ReduceLogSumExp": _log_sum_exp,
}


@register(*REDUCERS)
class Reduce(NumpyExecution):
    def axes_from_input(self) -> bool:
        return self.node.opset >= (13 if self.node.op_type == "ReduceSum" else 18)

    def compute(self, x: np.ndarray, axes: np.ndarray | None = None) -> np.ndarray:
        if not self.axes_from_input():
            axes = self.node.attr("axes")
        if axes is None or len(axes) == 0:
            if self.node.attr("noop_with_empty_axes", 0):
                return x
            axes = range(x.ndim)
        norm = tuple(sorted(norm_axes(self.node, np.asarray(axes).ravel().tolist(), x.ndim)))
        with np.errstate(all="ignore"):
            y = REDUCERS[self.node.op_type](x, norm, bool(self.node.attr("keepdims", 1)))
        return np.asarray(y).astype(x.dtype, copy=False)


@register("ArgMax", "ArgMin")
class ArgReduce(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        a = axis(self.node, self.node.attr("axis", 0), x.ndim)
        pick = np.argmax if self.node.op_type == "ArgMax" else np.argmin
        if self.node.attr("select_last_index", 0):
            idx = x.shape[a] - 1 - pick(np.flip(x, a), axis=a)
        else:
            idx = pick(x, axis=a)
        if self.node.attr("keepdims", 1):
            idx = np.expand_dims(idx, a)
        return idx.astype(np.int64)
