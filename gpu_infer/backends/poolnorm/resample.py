"""Resize (opsets 10 to 19) and Upsample (7, 9) as the GPU kernels see them.

Every output coordinate's taps (input offsets and weights) depend on shapes and attributes only,
so they are computed on the host once per plan, by the CPU backend's own coordinate rules
(``cpu/ops/resize.py``), and kept in one device table; the kernels only gather and weigh.
Nearest (every nearest_mode), linear and cubic (n-linear / n-cubic on any axes, antialias,
cubic_coeff_a, exclude_outside), every coordinate_transformation_mode with tf_crop_and_resize's
roi and extrapolation_value, scales or sizes, axes and keep_aspect_ratio_policy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...errors import ShapeInferenceError
from ..base import Tensor
from ..cpu.ops.resize import NEAREST, _cubic, _linear, resize_target, snap_halves, source_coords

MODES = ("nearest", "linear", "cubic")
COORDINATE_MODES = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                    "tf_half_pixel_for_nn", "tf_crop_and_resize")


@dataclass(frozen=True)
class Resampling:
    """What a Resize or Upsample node does to an input: per axis its output size and scale, the
    roi per axis (tf_crop_and_resize), and the rules."""
    sizes: tuple[int, ...]
    scales: tuple[float, ...]
    roi: tuple[tuple[float, float], ...] | None
    mode: str
    coordinate_mode: str
    nearest_mode: str


def _constant(t: Tensor | None) -> np.ndarray | None:
    """A shape operand's value (None when absent or empty); raises LookupError when it is not
    known at planning."""
    if t is None:
        return None
    if t.constant is None:
        raise LookupError(t.name)
    value = np.asarray(t.constant).reshape(-1)
    return value if value.size else None


def resampling(node, x: Tensor, operands: list[Tensor | None]) -> Resampling:
    """The node's Resampling of `x`, from its attributes and constant operands (roi, scales, sizes),
    by the CPU backend's rules."""
    at = node.attr
    mode = at("mode", "nearest")
    if node.op_type == "Upsample" or node.opset < 11:            # (X, scales) or the scales attribute
        given = _constant(operands[0]) if operands else None
        scales = [float(v) for v in (given if given is not None else at("scales"))]
        return Resampling(tuple(int(math.floor(d * s)) for d, s in zip(x.shape, scales)), tuple(scales), None,
                          "linear" if mode == "bilinear" else mode, "asymmetric", "simple")
    roi, scales, sizes = (_constant(operands[k]) if len(operands) > k else None for k in range(3))
    out_sizes, out_scales, full_roi = resize_target(node, x.shape, roi, scales, sizes)
    rank = len(x.shape)
    spans = None if full_roi is None else tuple((float(full_roi[a]), float(full_roi[a + rank])) for a in range(rank))
    return Resampling(tuple(out_sizes), tuple(out_scales), spans, mode,
                      at("coordinate_transformation_mode", "half_pixel"), at("nearest_mode", "round_prefer_floor"))


def axis_taps(node, r: Resampling, axis: int, in_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(input index, weight) of each output index's taps along `axis`, shaped (out, taps); an index
    of -1 where the coordinate falls outside the input (tf_crop_and_resize)."""
    out_size, scale = r.sizes[axis], r.scales[axis]
    if out_size == in_size and scale == 1.0 and r.coordinate_mode != "tf_crop_and_resize":
        return np.arange(out_size)[:, None], np.ones((out_size, 1))
    span = r.roi[axis] if r.roi is not None else (0.0, 1.0)
    coords = source_coords(r.coordinate_mode, out_size, in_size, scale, span)
    if r.mode == "nearest":
        rule = r.nearest_mode
        if rule == "simple":      # opset<11: floor when enlarging, ceil when shrinking (onnxruntime)
            rule = "ceil" if scale < 1.0 else "floor"
        index = np.clip(NEAREST[rule](snap_halves(coords)), 0, in_size - 1).astype(np.int64)[:, None]
        weight = np.ones_like(index, np.float64)
    else:
        index, weight = weight_taps(node, r.mode, coords, in_size, scale)
    if r.coordinate_mode == "tf_crop_and_resize":
        eps = 1e-5 * max(1, in_size)       # float noise of the roi must not flip an edge sample
        index[(coords < -eps) | (coords > in_size - 1 + eps)] = -1
    return index, weight


def weight_taps(node, mode: str, coords: np.ndarray, in_size: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Linear or cubic taps around each coordinate, as the CPU backend's weight_matrix weighs them
    (antialias stretching and normalisation, exclude_outside), edge taps clamped into the input."""
    at = node.attr
    antialias = bool(at("antialias", 0))
    stretch = min(scale, 1.0) if antialias else 1.0
    kernel: Callable[[np.ndarray], np.ndarray] = _linear if mode == "linear" else _cubic(at("cubic_coeff_a", -0.75))
    support = 1 if mode == "linear" else 2
    exclude = mode == "cubic" and bool(at("exclude_outside", 0))
    reach = int(math.ceil(support / stretch))
    taps = np.floor(coords).astype(np.int64)[:, None] - reach + 1 + np.arange(2 * reach)[None, :]
    weight = kernel((coords[:, None] - taps) * stretch)
    if exclude:
        weight = np.where((taps >= 0) & (taps < in_size), weight, 0.0)
    if antialias or exclude:
        total = weight.sum(axis=1, keepdims=True)
        weight = weight / np.where(total == 0, 1, total)
    return np.clip(taps, 0, max(in_size - 1, 0)), weight


@dataclass(frozen=True)
class TapTable:
    """The resize kernels' table and the 4-int arguments that go with it."""
    table: np.ndarray                         # int32: offsets, then weights as float bits, per section
    size: tuple[int, int, int]                # (lead, OH, OW)
    taps: tuple[int, int, int]                # taps per output index of each part
    starts: tuple[int, int, int]              # where each part's section starts

    @property
    def halves(self) -> bool:
        """Whether output column ow reads input column ow // 2 (nearest, twice as wide)."""
        cols = self.table[self.starts[2]:self.starts[2] + self.size[2]]
        return self.taps[2] == 1 and np.array_equal(cols, np.arange(self.size[2]) // 2)


def tap_table(node, r: Resampling, shape: tuple[int, ...]) -> TapTable:
    """The taps of every output index for an input of `shape` (rank < 2: leading axes of size 1
    added), each section tap-major."""
    lead = 2 - min(len(shape), 2)
    shape = (1,) * lead + tuple(shape)
    r = Resampling((1,) * lead + r.sizes, (1.0,) * lead + r.scales,
                   ((0.0, 1.0),) * lead + r.roi if r.roi is not None else None, r.mode, r.coordinate_mode,
                   r.nearest_mode)
    strides = [math.prod(shape[a + 1:]) for a in range(len(shape))]
    parts = [axis_taps(node, r, a, shape[a]) for a in range(len(shape))]
    row_index, row_weight = parts[-2]
    sections = [_lead_taps(parts[:-2], strides[:-2]), (np.where(row_index < 0, -1, row_index * strides[-2]),
                                                       row_weight), parts[-1]]
    chunks, starts = [], []
    for index, weight in sections:
        starts.append(sum(c.size for c in chunks))
        chunks += [index.T.astype(np.int32).reshape(-1), weight.T.astype(np.float32).view(np.int32).reshape(-1)]
    return TapTable(np.concatenate(chunks), (math.prod(r.sizes[:-2]), r.sizes[-2], r.sizes[-1]),
                    tuple(index.shape[1] for index, _ in sections), tuple(starts))


def _lead_taps(parts: list[tuple[np.ndarray, np.ndarray]], strides: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The taps of every position of the leading axes (row-major): the product of their axes' taps."""
    index, weight = np.zeros((1, 1), np.int64), np.ones((1, 1))
    for (idx, w), stride in zip(parts, strides):
        offsets = np.where(idx < 0, -1, idx * stride)
        # outer positions x this axis's positions, outer taps x this axis's taps
        combined = index[:, None, :, None] + offsets[None, :, None, :]
        outside = (index[:, None, :1, None] < 0) | (offsets[None, :, None, :1] < 0)
        index = np.where(outside, -1, combined).reshape(index.shape[0] * idx.shape[0], -1)
        weight = (weight[:, None, :, None] * w[None, :, None, :]).reshape(index.shape)
    return index, weight


def resize_fits(node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> bool:
    """Whether the resize kernels run this Resize / Upsample: constant operands, a mode and
    coordinate mode they know, float32 data (any exact type for nearest), values from a non-empty input."""
    x = inputs[0]
    try:
        r = resampling(node, x, inputs[1:])
    except (LookupError, ShapeInferenceError, TypeError, ValueError):     # not constant, or malformed
        return False
    integer_ok = np.dtype(x.dtype).kind in "iub" and r.mode == "nearest"
    from_nothing = x.size == 0 < outputs[0].size          # values out of an empty input
    return ((np.dtype(x.dtype) == np.float32 or integer_ok) and r.mode in MODES
            and r.coordinate_mode in COORDINATE_MODES and len(r.sizes) == len(x.shape)
            and tuple(outputs[0].shape) == r.sizes and not from_nothing)
