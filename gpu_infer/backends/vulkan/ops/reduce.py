"""Reductions on Vulkan (spirv_shaders/reduce.comp): ReduceSum, ReduceMean, ReduceMax, ReduceMin,
ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp over any axes,
GlobalAveragePool and GlobalMaxPool (a reduction over the contiguous spatial block)."""
from __future__ import annotations

import numpy as np

from ....scheduler.schemes import Scheme
from ...poolnorm.reduce_view import GLOBAL_POOLS, REDUCTIONS, is_copy, node_view, reduce_refusal, reduction_of
from ..execution import kernel_tensors, pack
from ..registry import register
from .reduction import VKReducing, data_modes, data_variant, layout_schemes


@register(*REDUCTIONS, *GLOBAL_POOLS)
class VKReduce(VKReducing):
    """Axes from the attribute before opset 18 (ReduceSum: 13), else from the optional constant
    input; none (or empty) reduce every axis, unless noop_with_empty_axes makes it a copy."""

    family = "reduce"

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        why = reduce_refusal(node, inputs)
        return why if why is not None else kernel_tensors([inputs[0], outputs[0]])

    def reads_input(self, index: int) -> bool:
        return index == 0

    def schemes(self, inputs, outputs) -> list[Scheme]:
        view = node_view(self.node, inputs)
        return layout_schemes("reduce", view.outputs, view.count)

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        view = node_view(self.node, inputs)
        if not view.outputs:
            return
        combination, pre, post = REDUCTIONS[reduction_of(self.node)]
        if is_copy(self.node, inputs):       # not even squared or rooted
            pre = post = 0
        push = pack(*view.arguments(), np.int32(view.outputs), np.int32(pre), np.int32(post),
                    np.float32(view.count))
        self.reduce_dispatch(f"reduce_{combination.lower()}", data_variant(x), [x.handle, y.handle, x.handle],
                             data_modes(x, "twv"), push, view.outputs, inputs, outputs)
