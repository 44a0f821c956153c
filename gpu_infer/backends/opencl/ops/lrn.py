"""LRN (local response normalization across channels) on OpenCL (cl_kernels/lrn.cl): AlexNet,
ZFNet, Inception v1."""
from __future__ import annotations

import math

import numpy as np

from ..execution import CLExecution, ref_args
from ..registry import register
from .elementwise import fits, launch
from .reduction import is_float32

ITEM = 8                     # spatial positions per work-item (lrn.cl)


@register("LRN")
class CLLRN(CLExecution):
    family = "lrn"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x = inputs[0]
        size = node.attr("size")
        return (is_float32(x) and len(x.shape) >= 2 and isinstance(size, int) and size >= 1
                and fits([x]))

    def on_resize(self, inputs, outputs) -> None:
        x = inputs[0]
        batch, channels, inner = x.shape[0], x.shape[1], math.prod(x.shape[2:])
        self.empty = x.size == 0
        size = int(self.node.attr("size"))
        alpha, beta, bias = (float(self.node.attr(k, d)) for k, d in (("alpha", 1e-4), ("beta", 0.75), ("bias", 1.0)))
        args = [*ref_args(x), *ref_args(outputs[0]), *(np.int32(v) for v in (inner, channels, (size - 1) // 2, size)),
                np.float32(alpha / size), np.float32(bias), np.float32(beta)]
        self.bound = self.kernel("lrn", args)
        self.global_size, self.local_size = launch(-(-inner // ITEM), channels, batch)

    def on_execute(self, inputs, outputs) -> None:
        if not self.empty:
            self.enqueue(self.bound, self.global_size, self.local_size)
