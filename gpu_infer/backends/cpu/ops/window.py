"""Padding rules shared by Conv and the pools, and the strided window views the pools reduce over."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ....errors import ShapeInferenceError
from ....ir import Node


def window_count(size: int, eff: int, stride: int, pad_total: int, pad_begin: int, ceil_mode: bool) -> int:
    """Windows along one axis, as onnx's shape inference and onnxruntime count them.

    The division truncates toward zero (C's), so a single window longer than the padded
    input still counts once and reads what exists; with ceil_mode the last window may
    hang over the end but must start inside the input or the begin padding. Negative
    when the window cannot fit at all.
    """
    span = size + pad_total - eff
    if ceil_mode:
        count = -(-span // stride) + 1
        return count - 1 if (count - 1) * stride >= size + pad_begin else count
    return (span // stride if span >= 0 else -(-span // stride)) + 1


def spatial_params(node: Node, spatial: Sequence[int], kernel: Sequence[int],
                   ceil_mode: bool = False) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """strides, dilations, pads_begin, pads_end, output size for one windowed op.

    A window that hangs over the end reads only what exists: callers pad the end (or
    fill their planes) as far as the last window needs.
    """
    nd = len(spatial)
    strides = list(node.attr("strides") or [1] * nd)
    dil = list(node.attr("dilations") or [1] * nd)
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    auto = node.attr("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = [math.ceil(i / s) for i, s in zip(spatial, strides)]
        total = [max((o - 1) * s + e - i, 0) for o, s, e, i in zip(out, strides, eff, spatial)]
        small = [t // 2 for t in total]
        begin = small if auto == "SAME_UPPER" else [t - h for t, h in zip(total, small)]
        end = [t - b for t, b in zip(total, begin)]
        return strides, dil, begin, end, out
    if auto == "VALID":
        begin, end = [0] * nd, [0] * nd
    else:
        pads = list(node.attr("pads") or [0] * (2 * nd))
        begin, end = pads[:nd], pads[nd:]
    out = [window_count(i, e, s, b + en, b, ceil_mode) for i, e, s, b, en in zip(spatial, eff, strides, begin, end)]
    if any(o < 0 for o in out):
        raise ShapeInferenceError(f"{node.describe()}: the window {eff} does not fit the input {list(spatial)} "
                                  f"padded by {begin}/{end} with strides {strides}: output size {out}")
    return strides, dil, begin, end, out


def padded(x: np.ndarray, begin: Sequence[int], end: Sequence[int], value: float = 0.0) -> np.ndarray:
    """Pad the trailing len(begin) axes (negative pads crop); pure crops return a view."""
    lead = x.ndim - len(begin)
    crop = (slice(None),) * lead + tuple(slice(max(-b, 0), x.shape[lead + i] - max(-e, 0))
                                         for i, (b, e) in enumerate(zip(begin, end)))
    src = x[crop]
    if not any(b > 0 or e > 0 for b, e in zip(begin, end)):
        return src
    # np.pad's generality costs ~0.1 ms a call: copy the centre, fill the border slabs
    inner = src.shape[lead:]
    y = np.empty(src.shape[:lead] + tuple(n + max(b, 0) + max(e, 0) for n, b, e in zip(inner, begin, end)),
                 x.dtype)
    return place(y, src, [slice(max(b, 0), max(b, 0) + n) for n, b in zip(inner, begin)], value)


def place(out: np.ndarray, src: np.ndarray, region: Sequence[slice], value: float = 0.0) -> np.ndarray:
    """out[..., *region] = src and `value` everywhere else (region covers the trailing axes)."""
    lead = out.ndim - len(region)
    out[(slice(None),) * lead + tuple(region)] = src
    for i, sl in enumerate(region):
        axis = (slice(None),) * (lead + i)
        out[axis + (slice(0, sl.start),)] = value
        out[axis + (slice(sl.stop, None),)] = value
    return out


def windows(xp: np.ndarray, kernel: Sequence[int], strides: Sequence[int], dil: Sequence[int],
            out: Sequence[int]) -> np.ndarray:
    """View (..., *out, *kernel) of the windows of padded `xp` (no copy)."""
    nd = len(kernel)
    if 0 in out:
        return np.empty(xp.shape[:xp.ndim - nd] + tuple(out) + tuple(kernel), xp.dtype)
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    axes = tuple(range(xp.ndim - nd, xp.ndim))
    need = [(o - 1) * s + e for o, s, e in zip(out, strides, eff)]
    if any(n > xp.shape[a] for n, a in zip(need, axes)):    # ceil_mode overhang is handled by callers
        raise ValueError("window overruns the padded input")
    v = sliding_window_view(xp, eff, axis=axes)
    lead = (slice(None),) * (xp.ndim - nd)
    return v[lead + tuple(slice(0, o * s, s) for o, s in zip(out, strides))
             + tuple(slice(None, None, d) for d in dil)]
