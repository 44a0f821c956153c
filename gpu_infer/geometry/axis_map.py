"""Separable data movement: each output axis reads its own source axis through a 1-D index
map (Slice, Pad, Gather, Tile, Expand). A map is cut into pieces of constant step, and the
regions are the products of the pieces of every axis.

Fill pieces (Pad's constant) are not multiplied out: the output points where some axis is
in a fill piece form one slab per (fill piece of axis k) x (copy pieces of the axes before
k), full extent on the axes after k. So a 4-D constant Pad is one copy region and one fill
region per padded side.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .region import FILL, MAX_REGIONS, Region
from .simplify import Dim


@dataclass(frozen=True)
class Piece:
    """Output positions from `dst_start` of one axis that read source positions from
    `src_start` (FILL: none), along `dims` (extent, source step, destination step), in
    positions of the axis, outermost first."""
    dst_start: int
    src_start: int
    dims: tuple[Dim, ...]


def identity_axis(n: int) -> list[Piece]:
    return [Piece(0, 0, ((n, 1, 1),))] if n else []


def _runs(index_map: np.ndarray) -> list[tuple[int, int, int, int]] | None:
    """(dst start, src start or FILL, length, step) of maximal runs with a constant step, taken
    greedily from the left; None beyond MAX_REGIONS runs."""
    n = len(index_map)
    fill = index_map < 0
    step = np.diff(index_map)
    usable = ~fill[:-1] & ~fill[1:]
    # indices j of `step` where a run that used step[j - 1] cannot go on with step[j]
    breaks = np.flatnonzero(~usable[1:] | (step[1:] != step[:-1])) + 1
    copied = np.flatnonzero(~fill)
    runs: list[tuple[int, int, int, int]] = []
    i = 0
    while i < n:
        if len(runs) > MAX_REGIONS:
            return None
        if fill[i]:
            k = int(np.searchsorted(copied, i))
            end = int(copied[k]) if k < len(copied) else n
            runs.append((i, FILL, end - i, 0))
            i = end
        elif i == n - 1 or not usable[i]:
            runs.append((i, int(index_map[i]), 1, 0))
            i += 1
        else:
            k = int(np.searchsorted(breaks, i + 1))
            last = int(breaks[k]) if k < len(breaks) else n - 1
            runs.append((i, int(index_map[i]), last - i + 1, int(step[i])))
            i = last + 1
    return runs


def axis_pieces(index_map: np.ndarray) -> list[Piece] | None:
    """Pieces of a 1-D map (output position -> source position, -1 for FILL). Consecutive
    copy runs of equal length and step whose sources advance evenly become one 2-D piece
    (a tiled or repeated pattern). None when the map needs more than MAX_REGIONS runs."""
    runs = _runs(np.asarray(index_map, dtype=np.int64))
    if runs is None:
        return None
    pieces: list[Piece] = []
    i = 0
    while i < len(runs):
        dst, src, length, step = runs[i]
        same = (length, step)
        j = i + 1            # one past the runs folded into this piece
        if src != FILL and j < len(runs) and runs[j][1] != FILL and runs[j][2:] == same:
            delta = runs[j][1] - src
            j += 1
            while (j < len(runs) and runs[j][1] != FILL and runs[j][2:] == same
                   and runs[j][1] - runs[j - 1][1] == delta):
                j += 1
            pieces.append(Piece(dst, src, ((j - i, delta, length), (length, step, 1))))
        else:
            pieces.append(Piece(dst, src, ((length, step, 1),)))
        i = j
    return pieces


def _region(parts: Sequence[Piece], src_strides: Sequence[int], dst_strides: Sequence[int],
            src: int, dst: int) -> Region:
    """The region reading, on every axis a, piece parts[a]."""
    size: list[int] = []
    ss: list[int] = []
    ds: list[int] = []
    for piece, s_axis, d_axis in zip(parts, src_strides, dst_strides):
        for n, s, d in piece.dims:
            size.append(n)
            ss.append(s * s_axis)
            ds.append(d * d_axis)
    fill = any(p.src_start == FILL for p in parts)
    src_offset = 0 if fill else sum(p.src_start * s for p, s in zip(parts, src_strides))
    dst_offset = sum(p.dst_start * d for p, d in zip(parts, dst_strides))
    return Region(FILL if fill else src, dst, tuple(size), src_offset, tuple(ss), dst_offset, tuple(ds))


def separable_regions(axes: Sequence[list[Piece]], src_strides: Sequence[int], dst_strides: Sequence[int],
                      out_shape: Sequence[int], src: int = 0, dst: int = 0) -> list[Region] | None:
    """The regions of a separable op: axes[a] are the pieces of output axis a (covering it);
    None when they would be more than MAX_REGIONS."""
    copies = [[p for p in pieces if p.src_start != FILL] for pieces in axes]
    fills = [[p for p in pieces if p.src_start == FILL] for pieces in axes]
    count = math.prod(map(len, copies)) + sum(math.prod(map(len, copies[:k])) * len(fills[k])
                                              for k in range(len(axes)))
    if count > MAX_REGIONS:
        return None
    regions = [_region(parts, src_strides, dst_strides, src, dst) for parts in itertools.product(*copies)]
    for k, fill_pieces in enumerate(fills):
        rest = [Piece(0, FILL, ((n, 0, 1),)) for n in out_shape[k + 1:]]
        for before in itertools.product(*copies[:k]):
            for piece in fill_pieces:
                regions.append(_region([*before, piece, *rest], src_strides, dst_strides, src, dst))
    return regions
