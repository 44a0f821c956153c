"""The CPU region copy: one strided-view assignment per region, any dtype."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import InputError
from .region import FILL, RasterPlan, Region, address_range


def _view(flat: np.ndarray, offset: int, region: Region, strides: tuple[int, ...], what: str) -> np.ndarray:
    """The strided view of one side of a region over a flat array, after checking its bounds."""
    low, high = address_range(offset, region.size, strides)
    if low < 0 or high >= flat.size:
        raise InputError(f"{region} reaches elements [{low}, {high}] of {what}, which has {flat.size}")
    item = flat.itemsize
    return as_strided(flat[offset:], shape=region.size, strides=tuple(s * item for s in strides))


def _flat_output(array: np.ndarray, index: int) -> np.ndarray:
    if not array.flags.c_contiguous or not array.flags.writeable:
        raise InputError(f"output {index} of a region copy must be a writable C-contiguous array")
    return array.reshape(-1)


def apply_regions(plan: RasterPlan, inputs: Sequence[np.ndarray | None], outputs: Sequence[np.ndarray]) -> None:
    """Run `plan` on the host: outputs[r.dst] receives every region (outputs are preallocated,
    C-contiguous); values convert to the output's dtype as NumPy assignment does."""
    sources = [None if a is None else np.ascontiguousarray(a).reshape(-1) for a in inputs]
    targets = [_flat_output(o, i) for i, o in enumerate(outputs)]
    with np.errstate(all="ignore"):          # as the CPU kernels: casts overflow to inf, NaN to int quietly
        for r in plan.regions:
            _apply_one(plan, r, sources, targets)


def _apply_one(plan: RasterPlan, r: Region, sources: list[np.ndarray | None], targets: list[np.ndarray]) -> None:
    if not 0 <= r.dst < len(targets) or not (r.src == FILL or 0 <= r.src < len(sources)
                                             and sources[r.src] is not None):
        raise InputError(f"{r} names a tensor the region copy was not given")
    target = targets[r.dst]
    dst = _view(target, r.dst_offset, r, r.dst_strides, f"output {r.dst}")
    if r.src != FILL:
        dst[...] = _view(sources[r.src], r.src_offset, r, r.src_strides, f"input {r.src}")
    elif plan.fill_value is None:
        raise InputError(f"{r} fills, but the plan has no fill value")
    else:
        dst[...] = np.asarray(plan.fill_value).astype(target.dtype)
