"""MaxPool (with Indices), AveragePool, LpPool and their Global forms (plain MaxPool: tap slices)."""
from __future__ import annotations

import math

import numpy as np

from ....ir import Node
from ..registry import NumpyExecution, register
from .taps import tap_layout
from .window import padded, spatial_params, windows


def _flat(win: np.ndarray, nd: int) -> np.ndarray:
    """Windows (..., *out, *kernel) as (..., *out, taps); a view where the layout allows."""
    return win.reshape(win.shape[:win.ndim - nd] + (math.prod(win.shape[win.ndim - nd:]),))


def _pool_windows(node: Node, x: np.ndarray, fill: float) -> tuple[np.ndarray, int, tuple]:
    """Windows (n, c, *out, *kernel) over x padded with `fill` (ceil_mode overhang
    included), the spatial rank, and (kernel, strides, dilations, pads_begin, pads_end, out)."""
    kernel = list(node.attr("kernel_shape"))
    nd = len(kernel)
    ceil = bool(node.attr("ceil_mode", 0))
    strides, dil, pb, pe, out = spatial_params(node, x.shape[2:], kernel, ceil)
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    # grow the end padding so a ceil_mode window that hangs over the end fits
    pe2 = [max(e, (o - 1) * s + f - i - b) for e, o, s, f, i, b in zip(pe, out, strides, eff, x.shape[2:], pb)]
    xp = padded(x, pb, pe2, fill)
    win = windows(xp, kernel, strides, dil, out)
    return win, nd, (kernel, strides, dil, pb, pe, out)


@register("MaxPool")
class MaxPool(NumpyExecution):
    def compute(self, x: np.ndarray) -> list[np.ndarray]:
        # a window over padding only gives the lowest finite value, as in onnxruntime
        low = np.finfo(x.dtype).min if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        if len(self.node.outputs) < 2 or not self.node.outputs[1]:
            return [self._max_over_taps(x, low)]
        win, nd, (kernel, strides, dil, pb, _, out) = _pool_windows(self.node, x, low)
        flat = _flat(win, nd)
        y = flat.max(axis=-1)
        arg = flat.argmax(axis=-1)                                          # kernel position
        kpos = np.unravel_index(arg, kernel)
        grids = np.meshgrid(*[np.arange(o) for o in out], indexing="ij")
        coords = [g * s - b + k * d for g, s, b, k, d in zip(grids, strides, pb, kpos, dil)]
        spatial = x.shape[2:]
        if self.node.attr("storage_order", 0):
            coords, spatial = coords[::-1], spatial[::-1]
        idx = np.zeros(y.shape, np.int64)
        for cidx, size in zip(coords, spatial):
            idx = idx * size + cidx
        n, c = x.shape[:2]
        base = (np.arange(n)[:, None] * c + np.arange(c)[None, :]) * int(np.prod(spatial))
        return [y, idx + base.reshape((n, c) + (1,) * nd)]

    def _max_over_taps(self, x: np.ndarray, low: float) -> np.ndarray:
        """Running maximum over the kernel taps, each a contiguous shifted slice (see taps.py)."""
        kernel = list(self.node.attr("kernel_shape"))
        ceil = bool(self.node.attr("ceil_mode", 0))
        strides, dil, pb, _, out = spatial_params(self.node, x.shape[2:], kernel, ceil)
        if 0 in out:
            return np.zeros(x.shape[:2] + tuple(out), x.dtype)
        lay = tap_layout(x, pb, kernel, strides, dil, out, self.scratch, fill=low)
        y = self.scratch(x.shape[:2] + (lay.size,), x.dtype)
        acc, first = y[..., :lay.span], True
        for ph in lay.phases:
            for off in ph.offsets:
                src = ph.plane[..., off:off + lay.span]
                if first:
                    np.copyto(acc, src)
                    first = False
                else:
                    np.maximum(acc, src, out=acc)
        return lay.crop(y, out)


@register("AveragePool")
class AveragePool(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        win, nd, (kernel, strides, dil, pb, pe, out) = _pool_windows(self.node, x, 0.0)
        total = _flat(win, nd).sum(axis=-1, dtype=np.float64)
        # count the cells each window covers: inside the input, or inside the explicit
        # pads when count_include_pad (never the ceil_mode overhang)
        include = 1.0 if self.node.attr("count_include_pad", 0) else 0.0
        cells = padded(np.ones((1, 1) + x.shape[2:]), pb, pe, include)
        eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
        need = [(o - 1) * s + f for o, s, f in zip(out, strides, eff)]
        cells = padded(cells, [0] * nd, [max(n - have, 0) for n, have in zip(need, cells.shape[2:])], 0.0)
        cnt = _flat(windows(cells, kernel, strides, dil, out), nd).sum(axis=-1)
        return (total / np.maximum(cnt, 1)).astype(x.dtype)


@register("LpPool")
class LpPool(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        p = self.node.attr("p", 2)
        win, nd, _ = _pool_windows(self.node, x, 0.0)
        s = (np.abs(_flat(win, nd).astype(np.float64)) ** p).sum(axis=-1)
        return (s ** (1.0 / p)).astype(x.dtype)


def _spatial_axes(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(2, x.ndim))


@register("GlobalAveragePool")
class GlobalAveragePool(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        acc = np.float64 if x.dtype == np.float16 else None
        return x.mean(axis=_spatial_axes(x), keepdims=True, dtype=acc).astype(x.dtype)


@register("GlobalMaxPool")
class GlobalMaxPool(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        return x.max(axis=_spatial_axes(x), keepdims=True)


@register("GlobalLpPool")
class GlobalLpPool(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        p = self.node.attr("p", 2)
        s = (np.abs(x.astype(np.float64)) ** p).sum(axis=_spatial_axes(x), keepdims=True)
        return (s ** (1.0 / p)).astype(x.dtype)
