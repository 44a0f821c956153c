"""Indexing: Gather, GatherElements, GatherND, ScatterND, ScatterElements, NonZero."""
from __future__ import annotations

import numpy as np

from ....errors import ExecutionError
from ....ir import Node
from ..registry import NumpyExecution, register
from .axes import axis

_REDUCE = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def _wrap(node: Node, indices: np.ndarray, size: int | np.ndarray) -> np.ndarray:
    """Negative indices count from the end; any outside [-size, size) is an ExecutionError
    (indices that are constants are refused earlier, by validation)."""
    idx = np.asarray(indices).astype(np.int64)
    bad = (idx < -size) | (idx >= size)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        limit = int(np.broadcast_to(size, idx.shape)[where])
        raise ExecutionError(f"{node.describe()}: index {int(idx[where])} at {list(where)} of its indices is "
                             f"out of range for a dimension of {limit} (expected [{-limit}, {limit - 1}])")
    return np.where(idx < 0, idx + size, idx)


@register("Gather")
class Gather(NumpyExecution):
    def compute(self, x: np.ndarray, indices: np.ndarray) -> np.ndarray:
        a = axis(self.node, self.node.attr("axis", 0), x.ndim)
        return np.take(x, _wrap(self.node, indices, x.shape[a]), axis=a)


@register("GatherElements")
class GatherElements(NumpyExecution):
    def compute(self, x: np.ndarray, indices: np.ndarray) -> np.ndarray:
        a = axis(self.node, self.node.attr("axis", 0), x.ndim)
        return np.take_along_axis(x, _wrap(self.node, indices, x.shape[a]), axis=a)


@register("ScatterElements", "Scatter")
class ScatterElements(NumpyExecution):
    def compute(self, x: np.ndarray, indices: np.ndarray, updates: np.ndarray) -> np.ndarray:
        a = axis(self.node, self.node.attr("axis", 0), x.ndim)
        idx = _wrap(self.node, indices, x.shape[a])
        full = list(np.indices(idx.shape, sparse=True))
        full[a] = idx
        y = x.copy()
        reduction = self.node.attr("reduction", "none")
        if reduction == "none":
            y[tuple(full)] = updates
        else:
            _REDUCE[reduction].at(y, tuple(full), updates)
        return y


def _nd_index(node: Node, idx: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Split the last axis of GatherND/ScatterND indices into a tuple of index arrays."""
    k = idx.shape[-1]
    idx = _wrap(node, idx, np.asarray(shape[:k], np.int64))
    return tuple(idx[..., i] for i in range(k))


@register("GatherND")
class GatherND(NumpyExecution):
    def compute(self, x: np.ndarray, indices: np.ndarray) -> np.ndarray:
        b = self.node.attr("batch_dims", 0)
        batch = x.shape[:b]
        nb = int(np.prod(batch))
        xs = x.reshape((nb,) + x.shape[b:])
        ix = indices.reshape((nb,) + indices.shape[b:])
        k = ix.shape[-1]
        lead = np.arange(nb).reshape((nb,) + (1,) * (ix.ndim - 2))
        picked = xs[(lead,) + _nd_index(self.node, ix, xs.shape[1:1 + k])]
        return picked.reshape(batch + indices.shape[b:-1] + x.shape[b + k:])


@register("ScatterND")
class ScatterND(NumpyExecution):
    def compute(self, x: np.ndarray, indices: np.ndarray, updates: np.ndarray) -> np.ndarray:
        y = x.copy()
        where = _nd_index(self.node, indices, x.shape)
        reduction = self.node.attr("reduction", "none")
        if reduction == "none":
            y[where] = updates
        else:
            _REDUCE[reduction].at(y, where, updates)
        return y


@register("NonZero")
class NonZero(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        return np.array(np.nonzero(x), dtype=np.int64).reshape(x.ndim, -1)
