"""Relu and broadcasting Add on Vulkan (spirv_shaders/relu.comp, binary.comp)."""
from __future__ import annotations

import numpy as np

from ..base import Execution, Tensor
from ..common import binary_input_shape
from ..gpu_common import broadcast_table, float_tensors
from .dispatch import VKDispatch
from .registry import register


class VKElementwise(Execution):
    """Pipeline, descriptor set and push constants made in on_resize; on_execute records."""
    stem = ""

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return float_tensors(inputs) and float_tensors(outputs)

    def push_constants(self, inputs: list[Tensor], outputs: list[Tensor]) -> np.ndarray:
        return np.array([outputs[0].size], np.int32)

    def on_resize(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        self.dispatch = None
        if outputs[0].size:
            ins = [t.handle for t in inputs if t is not None]
            self.dispatch = VKDispatch(self.workspace, self.stem, self.precision, ins + [outputs[0].handle],
                                       "r" * len(ins) + "w", self.push_constants(inputs, outputs), outputs[0].size)

    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        if self.dispatch is not None:
            self.workspace.record(self.dispatch)


@register("Relu")
class VKRelu(VKElementwise):
    stem = "relu"


@register("Add")
class VKAdd(VKElementwise):
    stem = "binary_add"

    def push_constants(self, inputs, outputs) -> np.ndarray:
        a, b, y = inputs[0], inputs[1], outputs[0]
        table = broadcast_table(y.shape, a.shape, binary_input_shape(self.node, a.shape, b.shape))
        return np.concatenate([[y.size], table]).astype(np.int32)
