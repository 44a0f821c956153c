"""Regions: the one strided-copy description every data-movement op lowers to."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

MAX_REGION_RANK = 4
FILL = -1
MAX_REGIONS = 1 << 14     # a lowering needing more regions gives up (the caller uses another kernel)


@dataclass(frozen=True)
class Region:
    """dst[dst_offset + sum(i_k * dst_strides[k])] = src[src_offset + sum(i_k * src_strides[k])]
    for every index i in size (outermost first); src == FILL writes the plan's fill value.

    Offsets and strides count elements of the tensor (not bytes), relative to its first
    element. A source stride 0 broadcasts, a negative one mirrors. In a RasterPlan the rank
    is 1..MAX_REGION_RANK and every extent is at least 1; lowerings build regions of any
    rank and `simplify` brings them there.
    """
    src: int
    dst: int
    size: tuple[int, ...]
    src_offset: int
    src_strides: tuple[int, ...]
    dst_offset: int
    dst_strides: tuple[int, ...]

    def __post_init__(self) -> None:
        if not len(self.size) == len(self.src_strides) == len(self.dst_strides):
            raise ValueError(f"region rank mismatch: size {self.size}, strides {self.src_strides}, "
                             f"{self.dst_strides}")

    @property
    def count(self) -> int:
        return math.prod(self.size)


@dataclass
class RasterPlan:
    """The regions of one node. Invariant: the regions of each output are disjoint and cover it
    exactly, so they may run in any order and in parallel (no fill-then-overwrite passes)."""
    regions: list[Region]
    fill_value: float | int | bool | None = None    # for FILL regions (Pad's constant), else None


def row_major_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """Element strides of a C-contiguous tensor of `shape`."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def address_range(offset: int, size: Sequence[int], strides: Sequence[int]) -> tuple[int, int]:
    """The lowest and highest element a region side touches (inclusive)."""
    low = offset + sum(min(0, (n - 1) * s) for n, s in zip(size, strides))
    high = offset + sum(max(0, (n - 1) * s) for n, s in zip(size, strides))
    return low, high
