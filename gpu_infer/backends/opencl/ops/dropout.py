"""Dropout on OpenCL (cl_kernels/dropout.cl) where it is deterministic: at inference, or in training
mode with a constant ratio of 0 (the CPU backend's rule): the output is the input, the mask all true.
Training-mode dropout with a non-zero ratio is random, and refused."""
from __future__ import annotations

import numpy as np

from ...cpu.ops.misc_elementwise import Dropout
from ..execution import ref_args
from ..registry import register
from .elementwise import FLOATS, CLElementwise, fits, flat_launch, holds


@register("Dropout")
class CLDropout(CLElementwise):
    family = "dropout"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x = inputs[0]
        return x is not None and holds(x.dtype, FLOATS) and fits([x]) and Dropout.supports(node, inputs, outputs)

    def reads_input(self, index: int) -> bool:
        return index == 0                 # ratio and training_mode only decide, at planning

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        mask = outputs[1] if len(outputs) > 1 else None
        options = self.role("A", x) + (self.role("B", mask) + ["-DMASK"] if mask is not None else [])
        args = [*ref_args(x), *ref_args(y), *ref_args(mask if mask is not None else y), np.int32(y.size)]
        self.launches = [self.bind("dropout", args, options, flat_launch(y.size))] if y.size else []
