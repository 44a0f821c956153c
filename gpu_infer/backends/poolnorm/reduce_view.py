"""Reductions as the GPU kernels see them: the input as kept and reduced groups of merged axes
(K0 R0 K1 R1 K2 R2 K3), the combination each Reduce* op runs, and which axes a node reduces."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ...errors import ShapeInferenceError
from ..base import Tensor
from ..cpu.ops.axes import axes as norm_axes


@dataclass(frozen=True)
class ReduceView:
    """The input as kept and reduced groups of merged axes, K0 R0 K1 R1 K2 R2 K3."""
    kept: tuple[int, int, int, int]
    kept_strides: tuple[int, int, int, int]
    reduced: tuple[int, int, int]
    reduced_strides: tuple[int, int, int]

    @property
    def outputs(self) -> int:
        return math.prod(self.kept)

    @property
    def count(self) -> int:
        """Elements reduced into each output."""
        return math.prod(self.reduced)

    @property
    def innermost_reduced(self) -> bool:
        """Whether the input's innermost (non-unit) axis is reduced: R2, stride 1."""
        return self.kept[3] == 1 and self.reduced_strides[2] == 1

    def arguments(self) -> list[np.int32]:
        """K1..K3, the kept strides, the reduced sizes and strides (reduce.cl / reduce.comp)."""
        return [np.int32(v) for v in (*self.kept[1:], *self.kept_strides, *self.reduced, *self.reduced_strides)]


def reduce_view(shape: Sequence[int], axes: Sequence[int]) -> ReduceView | None:
    """`shape` reduced over `axes` as a ReduceView; None when its axes alternate between kept and
    reduced more often than the kernel's groups allow (possible only beyond rank 6)."""
    groups: list[list[Any]] = []                          # [reduced?, size]
    for k, size in enumerate(shape):
        red = k in axes
        if size == 1:
            continue
        if groups and groups[-1][0] == red:
            groups[-1][1] *= size
        else:
            groups.append([red, size])
    if any(size == 0 for red, size in groups if red):    # an empty reduction: nothing to read
        groups = [[red, size] for red, size in groups if not red] + [[True, 0]]
    strides, step = [], 1
    for _, size in reversed(groups):
        strides.append(step)
        step *= size
    strides.reverse()
    sizes, slot_strides = [1] * 7, [0] * 7
    slot = 6                                              # right-aligned: the innermost group in K3 or R2
    for (red, size), stride in zip(reversed(groups), reversed(strides)):
        if slot % 2 != red:                               # slots alternate: K0 R0 K1 R1 K2 R2 K3
            slot -= 1
        if slot < 0:
            return None
        sizes[slot], slot_strides[slot] = size, stride
        slot -= 1
    return ReduceView(tuple(sizes[0::2]), tuple(slot_strides[0::2]), tuple(sizes[1::2]), tuple(slot_strides[1::2]))


# op type -> (combination, pre, post): the kernels' combination and run-time arguments
# (pre: 0 none, 1 square, 2 absolute value; post: 0 none, 1 divided by the count, 2 sqrt, 3 log)
REDUCTIONS = {
    "ReduceSum": ("SUM", 0, 0), "ReduceMean": ("SUM", 0, 1), "ReduceMax": ("MAX", 0, 0),
    "ReduceMin": ("MIN", 0, 0), "ReduceProd": ("PROD", 0, 0), "ReduceSumSquare": ("SUM", 1, 0),
    "ReduceL1": ("SUM", 2, 0), "ReduceL2": ("SUM", 1, 2), "ReduceLogSum": ("SUM", 0, 3),
    "ReduceLogSumExp": ("LSE", 0, 0),
}
INTEGER_REDUCTIONS = {"ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"}
ORDERED_ONLY = {"ReduceMax", "ReduceMin"}                 # the ones defined on bool too
GLOBAL_POOLS = {"GlobalAveragePool": "ReduceMean", "GlobalMaxPool": "ReduceMax"}


def reduction_of(node) -> str:
    """The REDUCTIONS entry a Reduce* node or a global pool runs."""
    return GLOBAL_POOLS.get(node.op_type, node.op_type)


def takes_dtype(reduction: str, dtype: Any) -> bool:
    """Whether the kernels run `reduction` on `dtype` elements: float32 always, integers for
    sums, products and extremes, bool for the extremes."""
    kind = np.dtype(dtype).kind
    return (np.dtype(dtype) == np.float32 or kind in "iu" and reduction in INTEGER_REDUCTIONS
            or kind == "b" and reduction in ORDERED_ONLY)


def given_axes(node, inputs: list[Tensor | None]) -> list[int] | None:
    """The axes a Reduce* node names: the attribute before opset 18 (ReduceSum: 13), else the
    optional constant input (None: not known at planning)."""
    if node.opset >= (13 if node.op_type == "ReduceSum" else 18):
        given = inputs[1] if len(inputs) > 1 else None
        if given is not None and given.constant is None:
            return None
        return [] if given is None else [int(a) for a in np.asarray(given.constant).reshape(-1)]
    return list(node.attr("axes") or [])


def is_copy(node, inputs: list[Tensor | None]) -> bool:
    """Whether the node returns its input unchanged (a Reduce* with noop_with_empty_axes and no axes)."""
    return (node.op_type not in GLOBAL_POOLS and bool(node.attr("noop_with_empty_axes", 0))
            and given_axes(node, inputs) == [])


def reduced_axes(node, inputs: list[Tensor | None]) -> list[int] | None:
    """The axes of input 0 reduced, normalised (none given: every axis, unless a copy); None: not
    known at planning. (The output's shape, keepdims or not, is the planner's: the kernels write the
    kept axes in order.)"""
    rank = len(inputs[0].shape)
    if node.op_type in GLOBAL_POOLS:
        return list(range(2, rank))
    axes = given_axes(node, inputs)
    if axes is None:
        return None
    if not axes and not is_copy(node, inputs):
        axes = list(range(rank))
    return norm_axes(node, axes, rank)


def node_view(node, inputs: list[Tensor | None]) -> ReduceView:
    """The ReduceView of a node the kernels run (reduce_refusal None)."""
    return reduce_view(inputs[0].shape, reduced_axes(node, inputs))


def reduce_refusal(node, inputs: list[Tensor | None]) -> str | None:
    """Why the reduce kernels cannot run this Reduce* node or global pool (None: they can): the
    data type, axes out of range or not constant at planning, or too many alternating groups."""
    x = inputs[0]
    if not takes_dtype(reduction_of(node), x.dtype):
        return f"{node.op_type} does not run on {np.dtype(x.dtype).name} data"
    try:
        axes = reduced_axes(node, inputs)
    except ShapeInferenceError as exc:
        return str(exc)
    if axes is None:
        return "the axes are not constant at planning"
    if reduce_view(x.shape, axes) is None:
        return "its axes alternate between kept and reduced more often than the kernels' groups allow"
    return None
