"""Softmax and LogSoftmax on OpenCL (cl_kernels/softmax.cl)."""
from __future__ import annotations

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme
from ...poolnorm.rows import softmax_view
from ..execution import CLExecution, ref_args
from ..registry import register
from .reduction import chosen_scheme, is_float32, launch, layout_schemes


@register("Softmax", "LogSoftmax")
class CLSoftmax(CLExecution):
    family = "softmax"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        if not is_float32(inputs[0]):
            return False
        try:
            softmax_view(node, inputs[0].shape)
        except ShapeInferenceError:
            return False
        return True

    def schemes(self, inputs, outputs) -> list[Scheme]:
        outer, n, inner = softmax_view(self.node, inputs[0].shape)
        return layout_schemes("softmax", self.backend.rt, outer * inner, n, inner == 1)

    def on_resize(self, inputs, outputs) -> None:
        outer, n, inner = softmax_view(self.node, inputs[0].shape)
        self.empty = outer * n * inner == 0
        scheme = chosen_scheme(self, inputs, outputs)
        layout, self.global_size, self.local_size = launch(scheme, outer * inner, outer)
        options = ["-DLOG_SOFTMAX"] if self.node.op_type == "LogSoftmax" else []
        args = [*ref_args(inputs[0]), *ref_args(outputs[0]), np.int32(outer), np.int32(n), np.int32(inner)]
        self.bound = self.kernel(f"softmax_{layout}", args, options)

    def on_execute(self, inputs, outputs) -> None:
        if not self.empty:
            self.enqueue(self.bound, self.global_size, self.local_size)
