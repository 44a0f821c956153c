"""Data movement: Concat, Split, Slice, Transpose, Reshape, Flatten, Squeeze, Unsqueeze,
Expand, Tile, DepthToSpace, SpaceToDepth.

Attributes that later opsets turned into inputs (Split's split, Squeeze/Unsqueeze axes,
Slice starts/ends/axes/steps) are read from whichever form the node carries.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..registry import NumpyExecution, register


def ints(value: np.ndarray | Sequence[int] | None) -> list[int] | None:
    """An optional 1-D integer input or attribute as a Python list."""
    return None if value is None else [int(v) for v in np.asarray(value).reshape(-1)]


def norm_axes(axes: Sequence[int], rank: int) -> list[int]:
    return [a + rank if a < 0 else a for a in axes]


@register("Concat")
class Concat(NumpyExecution):
    def compute(self, *xs: np.ndarray) -> np.ndarray:
        parts = [x for x in xs if x is not None]
        rank = max(p.ndim for p in parts)
        axis = self.node.attr("axis", 1 if self.node.opset < 4 else 0) % max(rank, 1)
        parts = [p for p in parts if p.ndim == rank]   # a 1-D empty tensor may stand for "nothing"
        return np.concatenate(parts, axis=axis)


@register("Split")
class Split(NumpyExecution):
    def compute(self, x: np.ndarray, split: np.ndarray | None = None) -> list[np.ndarray]:
        axis = self.node.attr("axis", 0) % x.ndim
        sizes = ints(split) if split is not None else ints(self.node.attr("split"))
        n_out = len(self.node.outputs)
        if not sizes:
            parts = self.node.attr("num_outputs", n_out)
            chunk = -(-x.shape[axis] // parts)
            sizes = [min(chunk, x.shape[axis] - i * chunk) for i in range(parts)]
        bounds = np.cumsum(sizes)[:-1]
        return np.split(x, bounds, axis=axis)


@register("Slice")
class Slice(NumpyExecution):
    def compute(self, x: np.ndarray, starts: np.ndarray | None = None, ends: np.ndarray | None = None,
                axes: np.ndarray | None = None, steps: np.ndarray | None = None) -> np.ndarray:
        if self.node.opset < 10:
            starts, ends, axes = self.node.attr("starts"), self.node.attr("ends"), self.node.attr("axes")
        b, e = ints(starts), ints(ends)
        ax = norm_axes(ints(axes) if axes is not None else list(range(len(b))), x.ndim)
        st = ints(steps) if steps is not None else [1] * len(b)
        index = [slice(None)] * x.ndim
        for a, s0, e0, k in zip(ax, b, e, st):
            n = x.shape[a]
            # Python slices clamp like ONNX does, except that huge negative ends with a
            # negative step must mean "before index 0", which slice() spells as None.
            if k < 0 and e0 < -n:
                e0 = None
            index[a] = slice(s0, e0, k)
        return x[tuple(index)]


@register("Transpose")
class Transpose(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        return np.transpose(x, self.node.attr("perm"))


@register("Reshape")
class Reshape(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray, shape: np.ndarray | None = None) -> np.ndarray:
        target = ints(shape) if self.node.opset >= 5 else list(self.node.attr("shape"))
        if not self.node.attr("allowzero", 0):
            target = [x.shape[i] if d == 0 else d for i, d in enumerate(target)]
        return x.reshape(target)


@register("Flatten")
class Flatten(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray) -> np.ndarray:
        axis = self.node.attr("axis", 1)
        axis = axis + x.ndim if axis < 0 else axis
        return x.reshape(int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))


@register("Squeeze")
class Squeeze(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray, axes: np.ndarray | None = None) -> np.ndarray:
        ax = ints(axes) if self.node.opset >= 13 else ints(self.node.attr("axes"))
        if ax is None:
            return x.reshape([d for d in x.shape if d != 1])
        return np.squeeze(x, axis=tuple(norm_axes(ax, x.ndim)))


@register("Unsqueeze")
class Unsqueeze(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray, axes: np.ndarray | None = None) -> np.ndarray:
        ax = ints(axes) if self.node.opset >= 13 else ints(self.node.attr("axes"))
        rank = x.ndim + len(ax)
        shape = list(x.shape)
        for a in sorted(norm_axes(ax, rank)):
            shape.insert(a, 1)
        return x.reshape(shape)


@register("Expand")
class Expand(NumpyExecution):
    def compute(self, x: np.ndarray, shape: np.ndarray) -> np.ndarray:
        target = np.broadcast_shapes(x.shape, tuple(ints(shape)))
        return np.broadcast_to(x, target).copy()


@register("Tile")
class Tile(NumpyExecution):
    def compute(self, x: np.ndarray, repeats: np.ndarray, axis: np.ndarray | None = None) -> np.ndarray:
        if self.node.opset < 6:       # Tile-1: (tiles, axis) scalars
            reps = [1] * x.ndim
            reps[int(axis)] = int(repeats)
            return np.tile(x, reps)
        return np.tile(x, ints(repeats))


@register("DepthToSpace")
class DepthToSpace(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        b = self.node.attr("blocksize")
        n, c, h, w = x.shape
        if self.node.attr("mode", "DCR") == "DCR":
            y = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
        else:
            y = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
        return y.reshape(n, c // (b * b), h * b, w * b)


@register("SpaceToDepth")
class SpaceToDepth(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        b = self.node.attr("blocksize")
        n, c, h, w = x.shape
        y = x.reshape(n, c, h // b, b, w // b, b)
        y = y.transpose(0, 3, 5, 1, 2, 4) if self.node.attr("mode", "DCR") == "DCR" else y.transpose(0, 1, 3, 5, 2, 4)
        return y.reshape(n, c * b * b, h // b, w // b)
