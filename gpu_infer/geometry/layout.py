"""The channel-packed layout NC4HW4 as regions.

A tensor (N, C, d1, ..., dk) is stored packed as (N, ceil(C/4), d1, ..., dk, 4): channel c
at [c // 4, ..., c % 4], the padding channels of the last block zero.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..errors import ShapeInferenceError
from .region import FILL, RasterPlan, Region
from .simplify import make_plan

PACK = 4

# (size, plain offset, plain strides, packed offset, packed strides) of one group of channels
_Part = tuple[tuple[int, ...], int, tuple[int, ...], int, tuple[int, ...]]


def _dims(shape: Sequence[int]) -> tuple[int, int, int]:
    """(N, C, spatial size) of a tensor of rank >= 2."""
    if len(shape) < 2:
        raise ShapeInferenceError(f"the NC4HW4 layout needs a tensor of rank >= 2, got shape {tuple(shape)}")
    return shape[0], shape[1], math.prod(shape[2:])


def packed_shape(shape: Sequence[int]) -> tuple[int, ...]:
    n, c, _ = _dims(shape)
    return (n, -(-c // PACK), *shape[2:], PACK)


def packed_size(shape: Sequence[int]) -> int:
    """Elements of the packed storage of a plain tensor of `shape`."""
    return math.prod(packed_shape(shape))


def _parts(shape: Sequence[int]) -> tuple[list[_Part], Region | None]:
    """The channel groups both layouts hold (whole blocks of 4, then the remainder), and the
    FILL region of the padding channels in the packed storage (None when C % 4 == 0)."""
    n, c, d = _dims(shape)
    blocks, rest = divmod(c, PACK)
    plain_n, packed_n = c * d, -(-c // PACK) * d * PACK
    parts: list[_Part] = [((n, blocks, d, PACK), 0, (plain_n, PACK * d, 1, d), 0, (packed_n, d * PACK, PACK, 1)),
                          ((n, d, rest), blocks * PACK * d, (plain_n, 1, d), blocks * d * PACK, (packed_n, PACK, 1))]
    padding = (Region(FILL, 0, (n, d, PACK - rest), 0, (0, 0, 0), blocks * d * PACK + rest, (packed_n, PACK, 1))
               if rest else None)
    return parts, padding


def to_packed(shape: Sequence[int]) -> RasterPlan:
    """Plain row-major input 0 -> packed output 0 (padding channels written with 0)."""
    parts, padding = _parts(shape)
    regions = [Region(0, 0, size, po, ps, ko, ks) for size, po, ps, ko, ks in parts]
    plan = make_plan(regions + ([padding] if padding else []), 0)
    assert plan is not None     # at most 3 regions
    return plan


def from_packed(shape: Sequence[int]) -> RasterPlan:
    """Packed input 0 -> plain row-major output 0 of `shape`."""
    parts, _ = _parts(shape)
    plan = make_plan([Region(0, 0, size, ko, ks, po, ps) for size, po, ps, ko, ks in parts])
    assert plan is not None
    return plan
