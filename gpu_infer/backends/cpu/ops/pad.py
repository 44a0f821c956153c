"""Pad: constant, reflect, edge and wrap modes; negative pads crop."""
from __future__ import annotations

import numpy as np

from ..registry import NumpyExecution, register
from .axes import axes as norm_axes
from .movement import ints

_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


@register("Pad")
class Pad(NumpyExecution):
    def compute(self, x: np.ndarray, pads: np.ndarray | None = None, value: np.ndarray | None = None,
                axes: np.ndarray | None = None) -> np.ndarray:
        mode = self.node.attr("mode", "constant")
        if self.node.opset < 11:
            p = list(self.node.attr("pads", self.node.attr("paddings")))
            fill = self.node.attr("value", 0.0)
        else:
            p = ints(pads)
            fill = 0 if value is None or np.asarray(value).size == 0 else np.asarray(value).reshape(-1)[0]
        ax = norm_axes(self.node, ints(axes), x.ndim) if axes is not None else list(range(x.ndim))
        n = len(ax)
        before, after = [0] * x.ndim, [0] * x.ndim
        for i, a in enumerate(ax):
            before[a], after[a] = p[i], p[i + n]
        # Negative pads crop first; the rest pads with NumPy.
        crop = tuple(slice(max(-b, 0), x.shape[i] - max(-e, 0)) for i, (b, e) in enumerate(zip(before, after)))
        x = x[crop]
        width = [(max(b, 0), max(e, 0)) for b, e in zip(before, after)]
        if mode == "constant":
            return np.pad(x, width, mode="constant", constant_values=np.asarray(fill).astype(x.dtype))
        return np.pad(x, width, mode=_NUMPY_MODE[mode])
