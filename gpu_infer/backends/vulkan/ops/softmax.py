"""Softmax and LogSoftmax on Vulkan (spirv_shaders/softmax.comp)."""
from __future__ import annotations

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme
from ...poolnorm.rows import softmax_view
from ..execution import kernel_tensors, pack
from ..registry import register
from .reduction import FLOAT32, VKReducing, data_variant, layout_schemes


@register("Softmax", "LogSoftmax")
class VKSoftmax(VKReducing):
    """From opset 13 along one axis; before, over the input coerced to 2-D at `axis`."""

    family = "softmax"

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        try:
            softmax_view(node, inputs[0].shape)
        except ShapeInferenceError as exc:
            return str(exc)
        return kernel_tensors([inputs[0], outputs[0]], FLOAT32)

    def schemes(self, inputs, outputs) -> list[Scheme]:
        outer, n, inner = softmax_view(self.node, inputs[0].shape)
        return layout_schemes("softmax", outer * inner, n)

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        outer, n, inner = softmax_view(self.node, x.shape)
        if outer * n * inner:
            stem = "log_softmax" if self.node.op_type == "LogSoftmax" else "softmax"
            self.reduce_dispatch(stem, data_variant(x), [x.handle, y.handle, x.handle], "twv",
                                 pack(*np.int32([outer, n, inner])), outer * inner, inputs, outputs)
