"""Dropout on Vulkan (spirv_shaders/dropout.comp) where it is deterministic: at inference, or in
training mode with a constant ratio of 0 (the CPU backend's rule): the output is the input, the mask
all true. Training-mode dropout with a non-zero ratio is random, and refused."""
from __future__ import annotations

import numpy as np

from ...cpu.ops.misc_elementwise import Dropout
from ..execution import kernel_tensors, pack, type_code
from ..registry import register
from .elementwise import FLOATS, VKElementwise


@register("Dropout")
class VKDropout(VKElementwise):
    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        if not Dropout.supports(node, inputs, outputs):
            return "training-mode dropout with a non-zero (or unknown) ratio is random"
        return kernel_tensors([inputs[0], outputs[0]], FLOATS) or kernel_tensors(outputs[1:])

    def reads_input(self, index: int) -> bool:
        return index == 0                 # ratio and training_mode only decide, at planning

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        mask = outputs[1] if len(outputs) > 1 else None
        if not y.size:
            return
        # a copy computes nothing: float16 is "f16s" at every level
        variant, refs, push = type_code(x.store_dtype, "fp32"), [x.handle, y.handle], [np.int32(y.size)]
        if mask is not None:
            variant = f"{variant}.{type_code(mask.store_dtype, 'fp32')}"
            refs, push = refs + [mask.handle], push + [self.scalar(mask, 1)]
        self.dispatch("dropout", variant, refs, "rw" + "w" * (mask is not None), pack(*push), y.size)
