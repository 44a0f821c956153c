"""What a GPU dispatch reads: one table of regions per (source, destination) pair.

Row layout (TABLE_WIDTH int32): src_offset, dst_offset, size[4], src_strides[4],
dst_strides[4], start, chunk_start -- sizes padded with 1 and strides with 0 at the front.
`start` is the prefix sum of the element counts of the rows before, so work item i finds its row
by binary search (the last row whose start <= i) and its multi-index by div/mod of i - start.
`chunk_start` (``chunked``) is the same over chunks of up to CHUNK consecutive innermost
elements, for kernels whose work item copies a chunk (raster.cl, raster.comp).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..errors import DeviceError
from .region import MAX_REGION_RANK, RasterPlan, Region

TABLE_WIDTH = 16
START = 14                  # column of `start`
CHUNK_START = 15            # column of `chunk_start`
CHUNK = 16                  # consecutive innermost elements a work item copies (raster.cl, raster.comp)
INT32_MAX = 2 ** 31 - 1


def chunked(table: np.ndarray) -> tuple[np.ndarray, int]:
    """`table` with each row's chunk start set (the chunks of the rows before) and the dispatch's
    chunk count: what the chunk-copying kernels' work items are."""
    rows = np.array(table, np.int64)
    chunks = np.prod(rows[:, 2:5], axis=1) * -(-rows[:, 5] // CHUNK)
    rows[:, CHUNK_START] = np.cumsum(chunks) - chunks
    return rows.astype(np.int32), int(chunks.sum())


def dispatches(plan: RasterPlan) -> list[tuple[int, int]]:
    """The (src, dst) pairs of the plan (FILL as its own src), each one dispatch, in first-use order."""
    return list(dict.fromkeys((r.src, r.dst) for r in plan.regions))


def _pair(plan: RasterPlan, src: int, dst: int) -> list[Region]:
    return [r for r in plan.regions if r.src == src and r.dst == dst]


def total_elements(plan: RasterPlan, src: int, dst: int) -> int:
    """Work items of the (src, dst) dispatch."""
    return sum(r.count for r in _pair(plan, src, dst))


def _rows(regions: list[Region]) -> list[list[int]]:
    rows: list[list[int]] = []
    start = 0
    for r in regions:
        pad = MAX_REGION_RANK - len(r.size)
        rows.append([r.src_offset, r.dst_offset, *(1,) * pad, *r.size, *(0,) * pad, *r.src_strides,
                     *(0,) * pad, *r.dst_strides, start, 0])
        start += r.count
    return rows


def _fits(regions: list[Region]) -> bool:
    """Every table entry and the dispatch's work-item count fit int32."""
    return (sum(r.count for r in regions) <= INT32_MAX
            and all(-INT32_MAX <= v <= INT32_MAX for row in _rows(regions) for v in row))


def kernel_table(plan: RasterPlan, src: int, dst: int) -> np.ndarray:
    """The (rows, TABLE_WIDTH) int32 table of the regions of one (src, dst) pair."""
    regions = _pair(plan, src, dst)
    if not _fits(regions):
        raise DeviceError(f"regions {src} -> {dst} address more elements than int32 indexing reaches")
    return np.array(_rows(regions), dtype=np.int32).reshape(-1, TABLE_WIDTH)


def fits_int32(plan: RasterPlan, input_shapes: Sequence[Sequence[int] | None],
               output_shapes: Sequence[Sequence[int]]) -> bool:
    """Whether every tensor, table entry and work-item count fits int32 (else a GPU execution
    refuses the node). The caller still checks that tensor base + size fits in its buffer."""
    sizes = [math.prod(s) for s in list(input_shapes) + list(output_shapes) if s is not None]
    if any(n > INT32_MAX for n in sizes):
        return False
    return all(_fits(_pair(plan, s, d)) for s, d in dispatches(plan))
