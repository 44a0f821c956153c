"""Relu and broadcasting Add on Vulkan (spirv_shaders/relu.comp, binary.comp)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Execution, Tensor
from ..common import binary_input_shape
from ..gpu_common import broadcast_table, float_tensors
from .runtime import LOCAL_SIZE
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
        self.n = outputs[0].size
        if not self.n:
            return
        rt = self.backend.rt
        tensors = [t for t in inputs if t is not None] + [t for t in outputs if t is not None]
        push = self.push_constants(inputs, outputs).tobytes()
        self.pipe = rt.pipeline(self.stem, self.precision, len(tensors), len(push))
        self.dset = self.workspace.descriptor_set(self.pipe, [t.handle for t in tensors])
        self.push = rt.vk.ffi.new("char[]", push)
        self.push_size = len(push)
        groups = -(-self.n // LOCAL_SIZE)
        self.gx = min(groups, rt.limits["max_group_count_x"])
        self.gy = -(-groups // self.gx)

    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        if self.n:
            self.workspace.record(self._commands)

    def _commands(self, cmd: Any) -> None:
        vk, pipe = self.backend.rt.vk, self.pipe
        vk.vkCmdBindPipeline(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.pipeline)
        vk.vkCmdBindDescriptorSets(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.layout, 0, 1, [self.dset], 0, None)
        vk.vkCmdPushConstants(cmd, pipe.layout, vk.VK_SHADER_STAGE_COMPUTE_BIT, 0, self.push_size, self.push)
        vk.vkCmdDispatch(cmd, self.gx, self.gy, 1)


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
