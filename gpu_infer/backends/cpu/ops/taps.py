"""Kernel taps as contiguous shifted slices of a flattened, phase-split input.

A convolution with stride s and dilation d reads input index ``o*s + k*d`` along
each spatial axis. Splitting the padded input into its phases (index mod s) turns
every tap into a stride-1 read at offset ``(k*d)//s`` of one phase plane, and
flattening that plane row-major makes the tap one contiguous slice of length
`span` shared by every output position. Outputs then live on the plane's grid,
with a few junk columns at the row ends that `crop` drops. Conv uses this instead
of strided im2col windows: the slices feed BLAS directly, and where columns are
gathered at all (few channels, large depthwise kernels) it is one strided copy per phase.
"""
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .window import place

Alloc = Callable[[tuple[int, ...], np.dtype], np.ndarray]   # np.empty or an execution's scratch


@dataclass(frozen=True)
class PhaseGeometry:
    residue: tuple[int, ...]           # input index mod stride, per axis
    taps: tuple[int, ...]              # tap indices in kernel order, row-major over the tap grid
    offsets: tuple[int, ...]           # flat offset of each tap's slice in the plane
    tap_grid: tuple[int, ...]          # taps per axis in this phase
    step: tuple[int, ...]              # flat offset between neighbouring taps, per axis
    src: tuple[slice, ...]             # plane[dst] = x[src]; the rest of the plane is padding
    dst: tuple[slice, ...]
    whole: bool                        # dst is the whole plane: no padding reaches this phase


@dataclass(frozen=True)
class TapGeometry:
    grid: tuple[int, ...]              # per-axis size of every phase plane
    span: int                          # flat length that covers every output position
    phases: tuple[PhaseGeometry, ...]


@functools.lru_cache(maxsize=512)
def tap_geometry(spatial: tuple[int, ...], pads_begin: tuple[int, ...], kernel: tuple[int, ...],
                 strides: tuple[int, ...], dil: tuple[int, ...], out: tuple[int, ...]) -> TapGeometry:
    """Where each tap reads, for one shape: pure index arithmetic, computed once per shape."""
    nd = len(kernel)
    grid = tuple(o + ((k - 1) * d) // s for o, k, d, s in zip(out, kernel, dil, strides))
    pitch = [math.prod(grid[i + 1:]) for i in range(nd)]
    span = sum((o - 1) * p for o, p in zip(out, pitch)) + 1
    # per axis, the kernel positions of each residue mod stride: an arithmetic progression
    by_axis = []
    for kn, d, s in zip(kernel, dil, strides):
        residues: dict[int, list[int]] = {}
        for k in range(kn):
            residues.setdefault((k * d) % s, []).append(k)
        by_axis.append(residues)
    tap_index = np.arange(math.prod(kernel)).reshape(kernel)
    phases = []
    for residue in itertools.product(*(sorted(r) for r in by_axis)):
        ks = [by_axis[i][r] for i, r in enumerate(residue)]                 # kernel positions per axis
        base = sum((k[0] * d) // s * p for k, d, s, p in zip(ks, dil, strides, pitch))
        step = tuple(((k[1] - k[0]) * d) // s * p if len(k) > 1 else 0
                     for k, d, s, p in zip(ks, dil, strides, pitch))
        tap_grid = tuple(len(k) for k in ks)
        offsets = tuple(base + sum(i * st for i, st in zip(idx, step)) for idx in np.ndindex(*tap_grid))
        taps = tuple(int(t) for t in tap_index[np.ix_(*ks)].ravel())
        src, dst = _phase_slices(residue, grid, strides, pads_begin, spatial)
        whole = all(d.start == 0 and d.stop == g for d, g in zip(dst, grid))
        phases.append(PhaseGeometry(residue, taps, offsets, tap_grid, step, src, dst, whole))
    return TapGeometry(grid, span, tuple(phases))


def _phase_slices(residue: Sequence[int], grid: Sequence[int], strides: Sequence[int],
                  pads_begin: Sequence[int], spatial: Sequence[int]) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """plane[j] = x[r + j*s - pad] wherever that index is inside x: (x slices, plane slices)."""
    src, dst = [], []
    for r, g, s, pb, n in zip(residue, grid, strides, pads_begin, spatial):
        lo = max(0, -(-(pb - r) // s))
        hi = max(lo, min(g, -(-(n + pb - r) // s)))
        first = r + lo * s - pb
        src.append(slice(first, first + (hi - lo - 1) * s + 1 if hi > lo else first, s))
        dst.append(slice(lo, hi))
    return tuple(src), tuple(dst)


@dataclass(frozen=True)
class Phase:
    """One phase plane and the taps that read it (they form a regular grid)."""
    plane: np.ndarray                  # (..., size), contiguous
    geometry: PhaseGeometry
    span: int

    @property
    def taps(self) -> tuple[int, ...]:
        return self.geometry.taps

    @property
    def offsets(self) -> tuple[int, ...]:
        return self.geometry.offsets

    def window(self) -> np.ndarray:
        """(..., *tap_grid, span) view of the plane: [..., i, j, :] is one tap's slice."""
        p, geo, it = self.plane, self.geometry, self.plane.itemsize
        return as_strided(p[..., geo.offsets[0]:], p.shape[:-1] + geo.tap_grid + (self.span,),
                          p.strides[:-1] + tuple(st * it for st in geo.step) + (it,), writeable=False)


@dataclass(frozen=True)
class TapLayout:
    grid: tuple[int, ...]
    span: int
    phases: list[Phase]

    @property
    def size(self) -> int:
        return math.prod(self.grid)

    @property
    def order(self) -> list[int]:
        """Tap indices phase after phase: the row order of gathered tap columns."""
        return [t for ph in self.phases for t in ph.taps]

    def crop(self, flat: np.ndarray, out: Sequence[int]) -> np.ndarray:
        """Outputs (..., *out) from a (..., size) result laid out on the plane grid."""
        grid = flat.reshape(flat.shape[:-1] + self.grid)
        return grid[(Ellipsis,) + tuple(slice(0, o) for o in out)]


def tap_layout(x: np.ndarray, pads_begin: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
               dil: Sequence[int], out: Sequence[int], alloc: Alloc = np.empty,
               fill: float = 0.0) -> TapLayout:
    """Split `x` (..., *spatial), padded with `fill` by `pads_begin` in front (and as needed
    at the end; negative pads crop), into flattened phase planes with each tap's offset.

    Each plane is filled straight from `x`: the padded input is never materialized.
    """
    nd = len(kernel)
    lead, spatial = x.shape[:x.ndim - nd], x.shape[x.ndim - nd:]
    geo = tap_geometry(spatial, tuple(pads_begin), tuple(kernel), tuple(strides), tuple(dil), tuple(out))
    grid, span = geo.grid, geo.span
    phases = []
    for ph in geo.phases:
        view = x[(Ellipsis,) + ph.src]
        if ph.whole and view.flags.c_contiguous:
            plane = view                              # no padding reaches this phase: read x itself
        else:
            plane = place(alloc(lead + grid, x.dtype), view, ph.dst, fill)
        phases.append(Phase(plane.reshape(lead + (math.prod(grid),)), ph, span))
    return TapLayout(grid, span, phases)


def gather_columns(lay: TapLayout, channels: slice = slice(None), alloc: Alloc = np.empty) -> np.ndarray:
    """(n, c, taps, span) copies of every tap's slice for the chosen channels, taps in `lay.order`.

    One strided copy per phase: the taps of a phase form a regular grid of offsets.
    """
    views = [ph.window()[:, channels] for ph in lay.phases]
    n, c = views[0].shape[:2]
    cols = alloc((n, c, len(lay.order), lay.span), lay.phases[0].plane.dtype)
    start = 0
    for ph, view in zip(lay.phases, views):
        stop = start + len(ph.taps)
        cols[:, :, start:stop].reshape(view.shape)[...] = view    # splitting an axis is a view
        start = stop
    return cols
