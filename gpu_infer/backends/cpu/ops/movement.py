"""Data movement: Concat, Split, Slice, Transpose, Reshape, Flatten, Squeeze, Unsqueeze,
Expand, Tile, DepthToSpace, SpaceToDepth.

Attributes that later opsets turned into inputs (Split's split, Squeeze/Unsqueeze axes,
Slice starts/ends/axes/steps) are read from whichever form the node carries.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ....errors import ShapeInferenceError
from ..registry import NumpyExecution, register
from .axes import axes as norm_axes
from .axes import axis


def ints(value: np.ndarray | Sequence[int] | None) -> list[int] | None:
    """An optional 1-D integer input or attribute as a Python list."""
    return None if value is None else [int(v) for v in np.asarray(value).reshape(-1)]


@register("Concat")
class Concat(NumpyExecution):
    def compute(self, *xs: np.ndarray) -> np.ndarray:
        parts = [x for x in xs if x is not None]
        rank = max(p.ndim for p in parts)
        a = axis(self.node, self.node.attr("axis", 1 if self.node.opset < 4 else 0), rank)
        parts = [p for p in parts if p.ndim == rank]   # a 1-D empty tensor may stand for "nothing"
        return np.concatenate(parts, axis=a)


@register("Split")
class Split(NumpyExecution):
    def compute(self, x: np.ndarray, split: np.ndarray | None = None) -> list[np.ndarray]:
        a = axis(self.node, self.node.attr("axis", 0), x.ndim)
        sizes = ints(split) if split is not None else ints(self.node.attr("split"))
        n_out = len(self.node.outputs)
        if not sizes:
            parts = self.node.attr("num_outputs", n_out)
            chunk = -(-x.shape[a] // parts)
            sizes = [min(chunk, x.shape[a] - i * chunk) for i in range(parts)]
        if len(sizes) != n_out or sum(sizes) != x.shape[a] or min(sizes) < 0:
            raise ShapeInferenceError(f"{self.node.describe()}: split sizes {sizes} do not divide dimension {a} "
                                      f"({x.shape[a]}) into the node's {n_out} outputs")
        return np.split(x, np.cumsum(sizes)[:-1], axis=a)


@register("Slice")
class Slice(NumpyExecution):
    def compute(self, x: np.ndarray, starts: np.ndarray | None = None, ends: np.ndarray | None = None,
                axes: np.ndarray | None = None, steps: np.ndarray | None = None) -> np.ndarray:
        if self.node.opset < 10:
            starts, ends, axes = self.node.attr("starts"), self.node.attr("ends"), self.node.attr("axes")
        b, e = ints(starts), ints(ends)
        ax = norm_axes(self.node, ints(axes) if axes is not None else list(range(len(b))), x.ndim)
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
            target = [x.shape[i] if d == 0 and i < x.ndim else d for i, d in enumerate(target)]
        known = math.prod(d for d in target if d != -1)
        if target.count(-1) > 1 or min(target, default=0) < -1 \
                or (known != x.size if -1 not in target else (known == 0 or x.size % known)):
            raise ShapeInferenceError(f"{self.node.describe()}: cannot reshape {x.shape} to {target}")
        return x.reshape(target)


@register("Flatten")
class Flatten(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray) -> np.ndarray:
        a = axis(self.node, self.node.attr("axis", 1), x.ndim, extra=1, below=0)
        return x.reshape(math.prod(x.shape[:a]), math.prod(x.shape[a:]))


@register("Squeeze")
class Squeeze(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray, axes: np.ndarray | None = None) -> np.ndarray:
        ax = ints(axes) if self.node.opset >= 13 else ints(self.node.attr("axes"))
        if ax is None:
            return x.reshape([d for d in x.shape if d != 1])
        return np.squeeze(x, axis=tuple(norm_axes(self.node, ax, x.ndim)))


@register("Unsqueeze")
class Unsqueeze(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray, axes: np.ndarray | None = None) -> np.ndarray:
        ax = ints(axes) if self.node.opset >= 13 else ints(self.node.attr("axes"))
        shape = list(x.shape)
        for a in sorted(norm_axes(self.node, ax, x.ndim, extra=len(ax))):
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
