"""Relu and broadcasting Add on Vulkan (spirv_shaders/relu.comp, binary.comp)."""
from __future__ import annotations

import numpy as np

from ...base import Tensor
from ...common import binary_input_shape
from ...gpu_common import broadcast_table
from ..execution import VKExecution, kernel_tensors
from ..registry import register

FLOAT32 = frozenset({np.dtype(np.float32)})


class VKElementwise(VKExecution):
    """One dispatch over the output, the shader's variant the precision level."""
    stem = ""

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        return kernel_tensors(list(inputs) + list(outputs), FLOAT32)

    def push_constants(self, inputs: list[Tensor], outputs: list[Tensor]) -> np.ndarray:
        return np.array([outputs[0].size], np.int32)

    def bind(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        if outputs[0].size:
            ins = [t.handle for t in inputs if t is not None]
            self.dispatch(self.stem, self.precision, ins + [outputs[0].handle], "r" * len(ins) + "w",
                          self.push_constants(inputs, outputs), outputs[0].size)


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
