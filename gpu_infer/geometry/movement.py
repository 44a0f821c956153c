"""Transpose, Concat, Split, DepthToSpace, SpaceToDepth and the reshapes as regions."""
from __future__ import annotations

import math

from .lowering import Operands, lowering
from .region import RasterPlan, Region, row_major_strides
from .simplify import make_plan


@lowering("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity")
def lower_reshape(ops: Operands) -> RasterPlan | None:
    """One contiguous copy (the planner normally makes these views; this is the fallback)."""
    n = math.prod(ops.shape(0))
    if math.prod(ops.output_shapes[0]) != n:
        raise ops.error(f"cannot reshape {ops.shape(0)} into {ops.output_shapes[0]}")
    return make_plan([Region(0, 0, (n,), 0, (1,), 0, (1,))])


@lowering("Transpose")
def lower_transpose(ops: Operands) -> RasterPlan | None:
    shape = ops.shape(0)
    perm = ops.node.attr("perm")
    perm = list(reversed(range(len(shape)))) if perm is None else [int(p) for p in perm]
    if sorted(perm) != list(range(len(shape))):
        raise ops.error(f"perm {perm} is not a permutation of the {len(shape)} axes of {shape}")
    out = tuple(shape[p] for p in perm)
    ops.expect_output(0, out)
    strides = row_major_strides(shape)
    return make_plan([Region(0, 0, out, 0, tuple(strides[p] for p in perm), 0, row_major_strides(out))])


def _check_parts(ops: Operands, whole: tuple[int, ...], parts: list[tuple[int, ...]], axis: int) -> None:
    """Parts of `whole` along `axis`: same rank, same dims elsewhere, extents summing up."""
    for part in parts:
        if len(part) != len(whole) or any(p != w for k, (p, w) in enumerate(zip(part, whole)) if k != axis):
            raise ops.error(f"shape {part} does not fit {whole} along axis {axis}")
    if sum(p[axis] for p in parts) != whole[axis]:
        raise ops.error(f"extents {[p[axis] for p in parts]} along axis {axis} do not add up to {whole[axis]}")


@lowering("Concat")
def lower_concat(ops: Operands) -> RasterPlan | None:
    """One region per input; a 1-D empty input may stand for "nothing" (as on the CPU)."""
    out = ops.output_shapes[0]
    if not out:
        raise ops.error("cannot concatenate scalars")
    axis = ops.axis(ops.node.attr("axis", 1 if ops.node.opset < 4 else 0), len(out))
    inputs = [(i, s) for i in range(len(ops.node.inputs)) if (s := ops.shape(i)) is not None and len(s) == len(out)]
    _check_parts(ops, out, [s for _, s in inputs], axis)
    strides = row_major_strides(out)
    regions, offset = [], 0
    for i, shape in inputs:
        regions.append(Region(i, 0, shape, 0, row_major_strides(shape), offset * strides[axis], strides))
        offset += shape[axis]
    return make_plan(regions)


@lowering("Split")
def lower_split(ops: Operands) -> RasterPlan | None:
    """One region per output; the split sizes are the outputs' extents along the axis."""
    shape = ops.shape(0)
    if not shape:
        raise ops.error("cannot split a scalar")
    axis = ops.axis(ops.node.attr("axis", 0), len(shape))
    _check_parts(ops, shape, list(ops.output_shapes), axis)
    strides = row_major_strides(shape)
    regions, offset = [], 0
    for j, out in enumerate(ops.output_shapes):
        regions.append(Region(0, j, out, offset * strides[axis], strides, 0, row_major_strides(out)))
        offset += out[axis]
    return make_plan(regions)


def _blocks(ops: Operands) -> tuple[int, int, int, int, int]:
    """(n, c, h, w, blocksize) of a DepthToSpace / SpaceToDepth input."""
    shape, b = ops.shape(0), int(ops.node.attr("blocksize", 0))
    if len(shape) != 4 or b < 1:
        raise ops.error(f"needs a 4-D input and a positive blocksize, got {shape} and {b}")
    return (*shape, b)


@lowering("DepthToSpace")
def lower_depth_to_space(ops: Operands) -> RasterPlan | None:
    """Output (n, k, h*b + i, w*b + j) = input (n, channel, h, w), with channel = (i*b + j)*C' + k
    in DCR mode and k*b*b + i*b + j in CRD mode (C' = C / b^2 output channels)."""
    n, c, h, w, b = _blocks(ops)
    if c % (b * b):
        raise ops.error(f"{c} channels are not a multiple of blocksize^2 = {b * b}")
    oc = c // (b * b)
    ops.expect_output(0, (n, oc, h * b, w * b))
    hw = h * w
    if ops.node.attr("mode", "DCR") == "DCR":
        channel, row, col = hw, b * oc * hw, oc * hw
    else:
        channel, row, col = b * b * hw, b * hw, hw
    # output dims (n, k, h, i, w, j), row-major in the output
    src_strides = (c * hw, channel, w, row, 1, col)
    return make_plan([Region(0, 0, (n, oc, h, b, w, b), 0, src_strides, 0,
                             row_major_strides((n, oc, h, b, w, b)))])


@lowering("SpaceToDepth")
def lower_space_to_depth(ops: Operands) -> RasterPlan | None:
    """Output (n, channel, h', w') = input (n, k, h'*b + i, w'*b + j), with channel = (i*b + j)*C + k
    (DCR, the ONNX op) or k*b*b + i*b + j (CRD, which the CPU kernel also accepts)."""
    n, c, h, w, b = _blocks(ops)
    if h % b or w % b:
        raise ops.error(f"spatial size {h}x{w} is not a multiple of blocksize {b}")
    oh, ow = h // b, w // b
    ops.expect_output(0, (n, c * b * b, oh, ow))
    # source strides of n, k, i, j, h', w'
    sn, sc, si, sj, sh, sw = c * h * w, h * w, w, 1, b * w, b
    if ops.node.attr("mode", "DCR") == "DCR":
        size, src_strides = (n, b, b, c, oh, ow), (sn, si, sj, sc, sh, sw)
    else:
        size, src_strides = (n, c, b, b, oh, ow), (sn, sc, si, sj, sh, sw)
    return make_plan([Region(0, 0, size, 0, src_strides, 0, row_major_strides(size))])
