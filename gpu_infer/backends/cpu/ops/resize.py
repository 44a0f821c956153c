"""Resize (opsets 10-19) and Upsample, separable along each resized axis.

Nearest gathers; linear and cubic build a small (out, in) weight matrix per axis
(taps, edge replication or exclude_outside, antialias stretching) and contract it
with that axis.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from ....ir import Node
from ..registry import NumpyExecution, register
from .axes import axes as norm_axes


def source_coords(mode: str, out_size: int, in_size: int, scale: float,
                  roi: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Input coordinate of every output index under a coordinate_transformation_mode."""
    o = np.arange(out_size, dtype=np.float64)
    if mode == "half_pixel":
        return (o + 0.5) / scale - 0.5
    if mode == "half_pixel_symmetric":
        adjust = out_size / (scale * in_size)
        offset = in_size / 2 * (1 - adjust)
        return offset + (o + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (o + 0.5) / scale - 0.5 if out_size > 1 else np.zeros(out_size)
    if mode == "align_corners":
        # unfloored in*scale, as onnx's reference (and the official cases); onnxruntime
        # divides by the integer output size - 1 instead
        length = in_size * scale
        return o * (in_size - 1) / (length - 1) if length > 1 else np.zeros(out_size)
    if mode == "asymmetric":
        return o / scale
    if mode == "tf_half_pixel_for_nn":
        return (o + 0.5) / scale
    if mode == "tf_crop_and_resize":
        start, end = roi
        if out_size > 1:
            return start * (in_size - 1) + o * (end - start) * (in_size - 1) / (out_size - 1)
        return np.full(out_size, 0.5 * (start + end) * (in_size - 1))
    raise ValueError(f"unknown coordinate_transformation_mode {mode!r}")


NEAREST: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "round_prefer_floor": lambda x: np.ceil(x - 0.5),
    "round_prefer_ceil": lambda x: np.floor(x + 0.5),
    "floor": np.floor,
    "ceil": np.ceil,
}


def snap_halves(coords: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Move coordinates within eps of a multiple of 0.5 onto it.

    A scale such as 0.6 is not exact in float32, so an exact tie of the real
    arithmetic lands just below or above the integer (or half) that floor/ceil/round
    then decide on; float32 runtimes (onnxruntime, GPU kernels) round it back onto
    the tie. Snapping makes the nearest choice independent of that noise.
    """
    halves = np.round(coords * 2.0) / 2.0
    return np.where(np.abs(coords - halves) <= eps * np.maximum(1.0, np.abs(coords)), halves, coords)


def _cubic(a: float) -> Callable[[np.ndarray], np.ndarray]:
    def kernel(t: np.ndarray) -> np.ndarray:
        t = np.abs(t)
        near = ((a + 2) * t - (a + 3)) * t * t + 1
        far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
        return np.where(t <= 1, near, np.where(t < 2, far, 0.0))
    return kernel


def _linear(t: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(t))


def weight_matrix(coords: np.ndarray, in_size: int, kernel: Callable[[np.ndarray], np.ndarray],
                  support: int, stretch: float, exclude_outside: bool, normalize: bool) -> np.ndarray:
    """(out, in) interpolation weights: taps around each coordinate, kernel(distance * stretch)."""
    reach = int(math.ceil(support / stretch))
    base = np.floor(coords).astype(np.int64) - reach + 1
    taps = base[:, None] + np.arange(2 * reach)[None, :]
    w = kernel((coords[:, None] - taps) * stretch)
    inside = (taps >= 0) & (taps < in_size)
    if exclude_outside:
        w = np.where(inside, w, 0.0)
    if normalize or exclude_outside:
        w = w / np.where(w.sum(axis=1, keepdims=True) == 0, 1, w.sum(axis=1, keepdims=True))
    mat = np.zeros((len(coords), in_size))
    rows = np.broadcast_to(np.arange(len(coords))[:, None], taps.shape)
    np.add.at(mat, (rows, np.clip(taps, 0, in_size - 1)), w)
    return mat


class _Resampler(NumpyExecution):
    """Shared resampling given per-axis output sizes and scales."""

    def resample(self, x: np.ndarray, sizes: list[int], scales: list[float], roi: np.ndarray | None,
                 mode: str, coord_mode: str, nearest_mode: str) -> np.ndarray:
        at = self.node.attr
        antialias = bool(at("antialias", 0))
        outside = np.zeros((), bool)
        y = x
        for axis, (out_size, scale) in enumerate(zip(sizes, scales)):
            in_size = x.shape[axis]
            if out_size == in_size and scale == 1.0 and coord_mode != "tf_crop_and_resize":
                continue
            span = (0.0, 1.0)
            if roi is not None and roi.size:
                span = (float(roi[axis]), float(roi[axis + x.ndim]))
            coords = source_coords(coord_mode, out_size, in_size, scale, span)
            if coord_mode == "tf_crop_and_resize":
                eps = 1e-5 * max(1, in_size)       # float noise of the roi must not flip an edge sample
                off = (coords < -eps) | (coords > in_size - 1 + eps)
                outside = outside | off.reshape((-1,) + (1,) * (x.ndim - axis - 1))
            if mode == "nearest":
                rule = nearest_mode
                if rule == "simple":      # opset<11: floor when enlarging, ceil when shrinking (onnxruntime)
                    rule = "ceil" if scale < 1.0 else "floor"
                idx = np.clip(NEAREST[rule](snap_halves(coords)), 0, in_size - 1).astype(np.int64)
                y = np.take(y, idx, axis=axis)
                continue
            stretch = min(scale, 1.0) if antialias else 1.0
            if mode == "linear":
                mat = weight_matrix(coords, in_size, _linear, 1, stretch, False, antialias)
            else:
                mat = weight_matrix(coords, in_size, _cubic(at("cubic_coeff_a", -0.75)), 2, stretch,
                                    bool(at("exclude_outside", 0)), antialias)
            moved = np.moveaxis(y, axis, -1).astype(np.float64)
            y = np.moveaxis(moved @ mat.T, -1, axis)
        if outside.ndim:
            y = np.where(outside, at("extrapolation_value", 0.0), y)
        if x.dtype.kind in "iu":      # cubic overshoot must not wrap around
            info = np.iinfo(x.dtype)
            y = np.clip(np.round(y), info.min, info.max)
        return np.asarray(y).astype(x.dtype, copy=False)


def resize_target(node: Node, shape: Sequence[int], roi: np.ndarray | None, scales: np.ndarray | None,
                  sizes: np.ndarray | None) -> tuple[list[int], list[float], np.ndarray | None]:
    """Resize's output size and scale per axis, and its roi over every axis ([starts, ends], None
    without one), from its operands (absent or empty ones alike) and its axes and
    keep_aspect_ratio_policy. Shared with the GPU backends, which compute coordinates at planning."""
    at, rank = node.attr, len(shape)
    axes = norm_axes(node, at("axes") or list(range(rank)), rank)
    full_roi = None
    if roi is not None and np.asarray(roi).size:
        r = np.asarray(roi, np.float64).reshape(-1)
        k = len(axes)
        full_roi = np.concatenate([np.zeros(rank), np.ones(rank)])
        for i, a in enumerate(axes):
            full_roi[a], full_roi[a + rank] = r[i], r[i + k]
    out_sizes, out_scales = list(shape), [1.0] * rank
    if sizes is not None and np.asarray(sizes).size:
        want = [int(v) for v in np.asarray(sizes).reshape(-1)]
        policy = at("keep_aspect_ratio_policy", "stretch")
        ratios = [w / shape[a] for w, a in zip(want, axes)]
        if policy != "stretch":
            r = min(ratios) if policy == "not_larger" else max(ratios)
            ratios = [r] * len(axes)
            want = [int(math.floor(r * shape[a] + 0.5)) for a in axes]
        for a, w, r in zip(axes, want, ratios):
            out_sizes[a], out_scales[a] = w, r
    else:
        for a, s in zip(axes, np.asarray(scales, np.float64).reshape(-1)):
            out_sizes[a], out_scales[a] = int(math.floor(shape[a] * s)), float(s)
    return out_sizes, out_scales, full_roi


@register("Resize")
class Resize(_Resampler):
    def compute(self, x: np.ndarray, roi: np.ndarray | None = None, scales: np.ndarray | None = None,
                sizes: np.ndarray | None = None) -> np.ndarray:
        at = self.node.attr
        if self.node.opset < 11:               # Resize-10: (X, scales)
            scales, roi = roi, None
            coord_mode, nearest_mode = "asymmetric", "simple"
        else:
            coord_mode = at("coordinate_transformation_mode", "half_pixel")
            nearest_mode = at("nearest_mode", "round_prefer_floor")
        out_sizes, out_scales, full_roi = resize_target(self.node, x.shape, roi, scales, sizes)
        return self.resample(x, out_sizes, out_scales, full_roi, at("mode", "nearest"), coord_mode, nearest_mode)


@register("Upsample")
class Upsample(_Resampler):
    """Upsample-1 (height_scale/width_scale), -7 (scales attribute), -9 (scales input)."""

    def compute(self, x: np.ndarray, scales: np.ndarray | None = None) -> np.ndarray:
        at = self.node.attr
        if scales is not None:
            s = [float(v) for v in np.asarray(scales).reshape(-1)]
        elif at("scales") is not None:
            s = [float(v) for v in at("scales")]
        else:
            s = [1.0] * (x.ndim - 2) + [float(at("height_scale", 1.0)), float(at("width_scale", 1.0))]
        mode = self.node.attr("mode", "nearest")
        mode = "linear" if mode in ("linear", "bilinear") else mode
        sizes = [int(math.floor(d * k)) for d, k in zip(x.shape, s)]
        return self.resample(x, sizes, s, None, mode, "asymmetric", "simple")
