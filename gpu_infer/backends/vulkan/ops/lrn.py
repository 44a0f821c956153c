"""LRN on Vulkan (spirv_shaders/lrn.comp), from the ONNX spec: across channels, float data."""
from __future__ import annotations

import math

import numpy as np

from ..execution import VKExecution, kernel_tensors, pack
from ..registry import register
from .reduction import FLOAT32, data_variant

OUTS = 4                    # the consecutive outputs an invocation computes (lrn.comp)


@register("LRN")
class VKLRN(VKExecution):
    family = "lrn"

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        if len(inputs[0].shape) < 2:
            return "the input has fewer than 2 dims"
        if node.attr("size") is None or int(node.attr("size")) < 1:
            return "size is missing or below 1"
        return kernel_tensors([inputs[0], outputs[0]], FLOAT32)

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if not y.size:
            return
        at = self.node.attr
        size = int(at("size"))
        before = (size - 1) // 2
        push = pack(*np.int32([y.size, x.shape[1], math.prod(x.shape[2:]), before, size - 1 - before]),
                    *np.float32([float(at("alpha", 1e-4)) / size, at("beta", 0.75), at("bias", 1.0)]))
        self.dispatch("lrn", data_variant(x), [x.handle, y.handle], "tw", push, -(-y.size // OUTS))
