"""Reductions on OpenCL (cl_kernels/reduce.cl): ReduceSum, ReduceMean, ReduceMax, ReduceMin,
ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp over any axes
(and, through CLReduction, the global pools)."""
from __future__ import annotations

import numpy as np

from ....scheduler.schemes import Scheme
from ...poolnorm.reduce_view import REDUCTIONS, is_copy, node_view, reduce_refusal, reduction_of
from ..execution import ref_args
from ..registry import register
from .reduction import CLExactData, COLS, chosen_scheme, elem_options, is_float32, launch, layout_schemes


class CLReduction(CLExactData):
    """A reduction of input 0 over some of its axes, as reduce.cl runs it."""

    family = "reduce"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return reduce_refusal(node, inputs) is None

    def reads_input(self, index: int) -> bool:
        return index == 0

    def schemes(self, inputs, outputs) -> list[Scheme]:
        view = node_view(self.node, inputs)
        return layout_schemes("reduce", self.backend.rt, view.outputs, view.count, view.innermost_reduced)

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        self.view = view = node_view(self.node, inputs)
        combination, pre, post = REDUCTIONS[reduction_of(self.node)]
        if is_copy(self.node, inputs):       # not even squared or rooted
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
