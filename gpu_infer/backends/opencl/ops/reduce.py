"""Reductions on OpenCL (cl_kernels/reduce.cl): ReduceSum, ReduceMean, ReduceMax, ReduceMin,
ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp over any axes
(and, through CLReduction, the global pools)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme
from ...base import Tensor
from ...cpu.ops.axes import axes as norm_axes
from ..execution import ref_args
from ..registry import register
from .reduction import CLExactData, COLS, chosen_scheme, elem_options, is_float32, launch, layout_schemes

@dataclass(frozen=True)
class ReduceView:
    """The input as kept and reduced groups of merged axes, K0 R0 K1 R1 K2 R2 K3 (reduce.cl)."""
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


# op type -> (combination, pre, post): reduce.cl's build option and run-time arguments
REDUCTIONS = {
    "ReduceSum": ("SUM", 0, 0), "ReduceMean": ("SUM", 0, 1), "ReduceMax": ("MAX", 0, 0),
    "ReduceMin": ("MIN", 0, 0), "ReduceProd": ("PROD", 0, 0), "ReduceSumSquare": ("SUM", 1, 0),
    "ReduceL1": ("SUM", 2, 0), "ReduceL2": ("SUM", 1, 2), "ReduceLogSum": ("SUM", 0, 3),
    "ReduceLogSumExp": ("LSE", 0, 0),
}
INTEGER_REDUCTIONS = {"ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"}
ORDERED_ONLY = {"ReduceMax", "ReduceMin"}                 # the ones defined on bool too


class CLReduction(CLExactData):
    """A reduction of input 0 over some of its axes, as reduce.cl runs it."""

    family = "reduce"

    @classmethod
    def reduction_of(cls, node) -> str:
        """The REDUCTIONS entry the node runs."""
        return node.op_type

    @classmethod
    def reduced_axes(cls, node, inputs: list[Tensor | None]) -> list[int] | None:
        """The axes of input 0 reduced, normalised; None: they are not known at planning. (The
        output's shape, keepdims or not, is the planner's: the kernel writes the kept axes in order.)"""
        raise NotImplementedError

    @classmethod
    def is_copy(cls, node, inputs) -> bool:
        """Whether the node returns its input unchanged (noop_with_empty_axes)."""
        return False

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x, reduction = inputs[0], cls.reduction_of(node)
        kind = np.dtype(x.dtype).kind
        if not (is_float32(x) or kind in "iu" and reduction in INTEGER_REDUCTIONS
                or kind == "b" and reduction in ORDERED_ONLY):
            return False
        try:
            axes = cls.reduced_axes(node, inputs)
        except ShapeInferenceError:
            return False
        return axes is not None and reduce_view(x.shape, axes) is not None

    def reads_input(self, index: int) -> bool:
        return index == 0

    def view_of(self, inputs) -> ReduceView:
        return reduce_view(inputs[0].shape, self.reduced_axes(self.node, inputs))

    def schemes(self, inputs, outputs) -> list[Scheme]:
        view = self.view_of(inputs)
        return layout_schemes("reduce", self.backend.rt, view.outputs, view.count, view.innermost_reduced)

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        self.view = view = self.view_of(inputs)
        combination, pre, post = REDUCTIONS[self.reduction_of(self.node)]
        if self.is_copy(self.node, inputs):       # not even squared or rooted
            pre = post = 0
        options = [f"-DREDUCE_{combination}", *elem_options(x.dtype, wrapping=combination in ("SUM", "PROD"))]
        scheme = chosen_scheme(self, inputs, outputs)
        layout, self.global_size, self.local_size = launch(scheme, view.outputs, view.outputs // max(view.kept[3], 1),
                                                           COLS if is_float32(x) else 1)
        args = [*ref_args(x), *ref_args(y), *view.arguments(), np.int32(view.outputs), np.int32(pre),
                np.int32(post), np.float32(view.count)]
        self.bound = self.kernel(f"reduce_{layout}", args, options)

    def on_execute(self, inputs, outputs) -> None:
        if self.view.outputs:
            self.enqueue(self.bound, self.global_size, self.local_size)


@register(*REDUCTIONS)
class CLReduce(CLReduction):
    """Axes from the attribute before opset 18 (ReduceSum: 13), else from the optional constant
    input; none (or empty) reduce every axis, unless noop_with_empty_axes makes it a copy."""

    @classmethod
    def is_copy(cls, node, inputs) -> bool:
        return bool(node.attr("noop_with_empty_axes", 0)) and cls.given_axes(node, inputs) == []

    @classmethod
    def given_axes(cls, node, inputs) -> list[int] | None:
        """The axes the node names (None: not known at planning)."""
        if node.opset >= (13 if node.op_type == "ReduceSum" else 18):
            given = inputs[1] if len(inputs) > 1 else None
            if given is not None and given.constant is None:
                return None
            return [] if given is None else [int(a) for a in np.asarray(given.constant).reshape(-1)]
        return list(node.attr("axes") or [])

    @classmethod
    def reduced_axes(cls, node, inputs):
        rank = len(inputs[0].shape)
        axes = cls.given_axes(node, inputs)
        if axes is None:
            return None
        if not axes and not cls.is_copy(node, inputs):
            axes = list(range(rank))
        return norm_axes(node, axes, rank)
