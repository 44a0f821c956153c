"""Bring lowered regions to few regions of rank <= MAX_REGION_RANK.

Per region: drop size-1 dims, make destination strides positive, order dims by destination
stride (so a device writes row by row) and collapse dims contiguous in both source and
destination. Then merge runs of consecutive regions that differ only by constant offset
steps into one region with an extra dim, and split what is still above MAX_REGION_RANK
over its smallest dims.
"""
from __future__ import annotations

import itertools
import math
from typing import Iterable

from .region import FILL, MAX_REGION_RANK, MAX_REGIONS, RasterPlan, Region

Dim = tuple[int, int, int]      # extent, source stride, destination stride


def canonical(r: Region) -> Region | None:
    """The same copies in canonical form (rank may be 0); None when the region is empty."""
    src_offset = 0 if r.src == FILL else r.src_offset
    dst_offset = r.dst_offset
    dims: list[Dim] = []
    for n, s, d in zip(r.size, r.src_strides, r.dst_strides):
        if n == 0:
            return None
        if n == 1:
            continue
        if r.src == FILL:
            s = 0
        if d < 0:
            src_offset += (n - 1) * s
            dst_offset += (n - 1) * d
            s, d = -s, -d
        dims.append((n, s, d))
    dims.sort(key=lambda dim: -dim[2])
    collapsed: list[Dim] = []
    for n, s, d in dims:
        if collapsed and collapsed[-1][1] == s * n and collapsed[-1][2] == d * n:
            collapsed[-1] = (collapsed[-1][0] * n, s, d)
        else:
            collapsed.append((n, s, d))
    return Region(r.src, r.dst, tuple(n for n, _, _ in collapsed), src_offset,
                  tuple(s for _, s, _ in collapsed), dst_offset, tuple(d for _, _, d in collapsed))


def _same_pattern(a: Region, b: Region) -> bool:
    return (a.src, a.dst, a.size, a.src_strides, a.dst_strides) == (b.src, b.dst, b.size, b.src_strides,
                                                                      b.dst_strides)


def _merge_pass(regions: list[Region]) -> list[Region]:
    """Fold each run of consecutive same-pattern regions whose offsets advance by constant
    steps into one region with an extra dim (when that stays within MAX_REGION_RANK)."""
    out: list[Region] = []
    i = 0
    while i < len(regions):
        first, j = regions[i], i + 1
        if j < len(regions) and _same_pattern(first, regions[j]):
            step = (regions[j].src_offset - first.src_offset, regions[j].dst_offset - first.dst_offset)
            while (j + 1 < len(regions) and _same_pattern(first, regions[j + 1])
                   and (regions[j + 1].src_offset - regions[j].src_offset,
                        regions[j + 1].dst_offset - regions[j].dst_offset) == step):
                j += 1
            merged = canonical(Region(first.src, first.dst, (j - i + 1,) + first.size, first.src_offset,
                                      (step[0],) + first.src_strides, first.dst_offset,
                                      (step[1],) + first.dst_strides))
            if merged is not None and len(merged.size) <= MAX_REGION_RANK:
                out.append(merged)
                i = j + 1
                continue
        out.append(first)
        i += 1
    return out


def _split(r: Region) -> list[Region]:
    """Regions of rank <= MAX_REGION_RANK covering r: loop over its smallest dims (outer ones
    on ties) so that as few regions as possible come out."""
    rank = len(r.size)
    if rank == 0:
        return [Region(r.src, r.dst, (1,), r.src_offset, (0,), r.dst_offset, (0,))]
    if rank <= MAX_REGION_RANK:
        return [r]
    looped = sorted(sorted(range(rank), key=lambda k: r.size[k])[:rank - MAX_REGION_RANK])
    kept = [k for k in range(rank) if k not in looped]
    size = tuple(r.size[k] for k in kept)
    src_strides = tuple(r.src_strides[k] for k in kept)
    dst_strides = tuple(r.dst_strides[k] for k in kept)
    pieces = []
    for index in itertools.product(*(range(r.size[k]) for k in looped)):
        src_offset = r.src_offset + sum(i * r.src_strides[k] for i, k in zip(index, looped))
        dst_offset = r.dst_offset + sum(i * r.dst_strides[k] for i, k in zip(index, looped))
        pieces.append(Region(r.src, r.dst, size, src_offset, src_strides, dst_offset, dst_strides))
    return pieces


def _split_count(r: Region) -> int:
    """How many regions `_split` makes of r."""
    excess = len(r.size) - MAX_REGION_RANK
    return math.prod(sorted(r.size)[:excess]) if excess > 0 else 1


def make_plan(regions: Iterable[Region], fill_value: float | int | bool | None = None) -> RasterPlan | None:
    """The simplified plan, or None when it needs more than MAX_REGIONS regions. The fill
    value is kept only when some region fills."""
    current = [c for c in map(canonical, regions) if c is not None]
    while True:
        merged = _merge_pass(current)
        if len(merged) == len(current):
            break
        current = merged
    if sum(map(_split_count, current)) > MAX_REGIONS:
        return None
    final = [piece for r in current for piece in _split(r)]
    return RasterPlan(final, fill_value if any(r.src == FILL for r in final) else None)
