"""Pad as regions: constant, reflect, edge and wrap; negative pads crop."""
from __future__ import annotations

import numpy as np

from .axis_map import axis_pieces, identity_axis, separable_regions
from .lowering import Operands, ints, lowering
from .region import FILL, RasterPlan, row_major_strides
from .simplify import make_plan

MODES = ("constant", "reflect", "edge", "wrap")


def _pad_value(ops: Operands) -> tuple[bool, float | int | bool | str]:
    """(known, value) of the constant to pad with."""
    if ops.node.opset < 11:
        return True, ops.node.attr("value", 0.0)
    if ops.runtime(2):
        return False, 0
    value = ops.constant(2)
    return True, 0 if value is None or np.asarray(value).size == 0 else np.asarray(value).reshape(-1).tolist()[0]


def _axis_map(ops: Operands, n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Output position -> source position along one axis, FILL (-1) where the constant goes:
    crop by the negative pads, then pad (np.pad, as the CPU kernel) a map of positions."""
    kept = np.arange(n)[max(-before, 0):n - max(-after, 0)]
    width = (max(before, 0), max(after, 0))
    if mode == "constant":
        return np.pad(kept, width, constant_values=FILL)
    if kept.size == 0 and width != (0, 0):
        raise ops.error(f"cannot {mode}-pad an axis left empty")
    return np.pad(kept, width, mode=mode)


@lowering("Pad")
def lower_pad(ops: Operands) -> RasterPlan | None:
    """Copy pieces times each other, fill slabs for the constant. Runtime pads, pad value or
    axes: None."""
    node, shape = ops.node, ops.shape(0)
    mode = node.attr("mode", "constant")
    if mode not in MODES:
        raise ops.error(f"unknown mode '{mode}'")
    if node.opset < 11:
        pads, axes = node.attr("pads", node.attr("paddings")), None
    elif ops.runtime(1) or ops.runtime(3):
        return None
    else:
        pads, axes = ops.constant(1), ops.constant(3)
    known, value = _pad_value(ops)
    if not known:
        return None
    p = ints(pads)
    ax = [ops.axis(a, len(shape)) for a in ints(axes)] if axes is not None else list(range(len(shape)))
    if p is None or len(p) != 2 * len(ax):
        raise ops.error(f"pads {p} do not give a begin and an end for each of the axes {ax}")
    before, after = [0] * len(shape), [0] * len(shape)
    for i, a in enumerate(ax):
        before[a], after[a] = p[i], p[i + len(ax)]
    maps = [None if b == e == 0 else _axis_map(ops, n, b, e, mode) for n, b, e in zip(shape, before, after)]
    out = tuple(n if m is None else len(m) for n, m in zip(shape, maps))
    ops.expect_output(0, out)
    pieces = [identity_axis(n) if m is None else axis_pieces(m) for n, m in zip(shape, maps)]
    if any(piece is None for piece in pieces):
        return None
    regions = separable_regions(pieces, row_major_strides(shape), row_major_strides(out), out)
    return None if regions is None else make_plan(regions, value)
