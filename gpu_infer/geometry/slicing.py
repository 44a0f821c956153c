"""Slice, Gather (constant indices), Expand and Tile as regions."""
from __future__ import annotations

import math

import numpy as np

from .axis_map import axis_pieces, identity_axis, separable_regions
from .lowering import Operands, ints, lowering
from .region import RasterPlan, Region, row_major_strides
from .simplify import make_plan


@lowering("Slice")
def lower_slice(ops: Operands) -> RasterPlan | None:
    """One strided region; starts/ends clamp as in ONNX (Python's slice semantics, as the CPU
    kernel), negative steps mirror. Runtime starts/ends/axes/steps: None."""
    shape, node = ops.shape(0), ops.node
    if node.opset < 10:
        starts, ends, axes, steps = node.attr("starts"), node.attr("ends"), node.attr("axes"), None
    elif any(ops.runtime(i) for i in range(1, 5)):
        return None
    else:
        starts, ends, axes, steps = (ops.constant(i) for i in range(1, 5))
    b, e = ints(starts), ints(ends)
    if b is None or e is None:
        raise ops.error("needs starts and ends")
    ax = [ops.axis(a, len(shape)) for a in (ints(axes) if axes is not None else range(len(b)))]
    st = ints(steps) if steps is not None else [1] * len(b)
    if not len(b) == len(e) == len(ax) == len(st) or 0 in st:
        raise ops.error(f"starts {b}, ends {e}, axes {ax}, steps {st}: lengths differ or a step is 0")
    start, step, count = [0] * len(shape), [1] * len(shape), list(shape)
    for a, s0, e0, k in zip(ax, b, e, st):
        # a huge negative end with a negative step means "through index 0", which slice() spells None
        kept = range(*slice(s0, None if k < 0 and e0 < -shape[a] else e0, k).indices(shape[a]))
        start[a], step[a], count[a] = kept.start, kept.step, len(kept)
    ops.expect_output(0, count)
    strides = row_major_strides(shape)
    return make_plan([Region(0, 0, tuple(count), sum(s * t for s, t in zip(start, strides)),
                             tuple(k * t for k, t in zip(step, strides)), 0, row_major_strides(count))])


@lowering("Gather")
def lower_gather(ops: Operands) -> RasterPlan | None:
    """Constant indices (negative ones count from the end, any shape, scalars drop the axis):
    the data viewed as (outer, n, inner), one region per run of evenly spaced indices.
    Runtime indices: None."""
    shape, indices = ops.shape(0), ops.constant(1)
    if indices is None:
        return None
    if not shape:
        raise ops.error("cannot gather from a scalar")
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise ops.error(f"indices '{ops.node.input(1)}' are {indices.dtype}, not integers")
    axis = ops.axis(ops.node.attr("axis", 0), len(shape))
    n = shape[axis]
    flat = indices.astype(np.int64).reshape(-1)
    flat = np.where(flat < 0, flat + n, flat)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        raise ops.error(f"indices '{ops.node.input(1)}' fall outside [-{n}, {n}) along axis {axis}")
    ops.expect_output(0, shape[:axis] + indices.shape + shape[axis + 1:])
    pieces = axis_pieces(flat)
    if pieces is None:
        return None
    outer, inner = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    regions = separable_regions([identity_axis(outer), pieces, identity_axis(inner)], (n * inner, inner, 1),
                                (flat.size * inner, inner, 1), (outer, flat.size, inner))
    return None if regions is None else make_plan(regions)


def _broadcast_strides(ops: Operands, shape: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, ...]:
    """Source strides that read `shape` broadcast (numpy rules) to `out`."""
    if len(shape) > len(out):
        raise ops.error(f"cannot broadcast {shape} to {out}")
    lead = len(out) - len(shape)
    strides = row_major_strides(shape)
    for n, m in zip(shape, out[lead:]):
        if n != m and n != 1:
            raise ops.error(f"cannot broadcast {shape} to {out}")
    return (0,) * lead + tuple(0 if n == 1 else s for n, s in zip(shape, strides))


@lowering("Expand")
def lower_expand(ops: Operands) -> RasterPlan | None:
    """One region reading the input with stride 0 on its broadcast axes (the target shape is
    the output's, so a runtime shape input is fine)."""
    out = ops.output_shapes[0]
    src_strides = _broadcast_strides(ops, ops.shape(0), out)
    return make_plan([Region(0, 0, out, 0, src_strides, 0, row_major_strides(out))])


@lowering("Tile")
def lower_tile(ops: Operands) -> RasterPlan | None:
    """Every axis as (repeat, extent) dims, the repeat reading with stride 0; the repeats are
    the output's extents over the input's (Tile-1's tiles/axis and runtime repeats included)."""
    shape, out = ops.shape(0), ops.output_shapes[0]
    if len(shape) != len(out) or any(m % n if n else m for n, m in zip(shape, out)):
        raise ops.error(f"output {out} is not a tiling of input {shape}")
    reps = [m // n if n else 0 for n, m in zip(shape, out)]
    src, dst = row_major_strides(shape), row_major_strides(out)
    size = tuple(d for r, n in zip(reps, shape) for d in (r, n))
    src_strides = tuple(d for s in src for d in (0, s))
    dst_strides = tuple(d for t, n in zip(dst, shape) for d in (n * t, t))
    return make_plan([Region(0, 0, size, 0, src_strides, 0, dst_strides)])
