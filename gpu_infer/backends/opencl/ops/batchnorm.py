"""BatchNormalization in inference mode on OpenCL (cl_kernels/batchnorm.cl), where the optimizer
did not fold it into a convolution: y = (x - mean) / sqrt(var + eps) * scale + bias per channel,
the parameters prepared once per session on the host when the statistics are constants, read on
the device when they are not."""
from __future__ import annotations

import math

import numpy as np

from ...gpu_common import prepared_batchnorm
from ..execution import ref_args
from ..registry import register
from .elementwise import FLOATS, VEC, CLElementwise, fits, holds, launch


@register("BatchNormalization")
class CLBatchNorm(CLElementwise):
    family = "batchnorm"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x, params = inputs[0], inputs[1:5]
        if any(t is not None for t in outputs[1:]) or x is None or len(x.shape) < 2 or len(params) != 4:
            return False                  # training mode (batch statistics) is a reduction: not here
        if not all(t is not None and holds(t.dtype, FLOATS) for t in [x, *params]) or not fits([x]):
            return False
        shape = params[0].shape
        if any(tuple(t.shape) != tuple(shape) for t in params) or \
                tuple(x.shape[1:1 + len(shape)]) != tuple(shape):
            return False
        # statistics computed at run time: one storage type for the four (they are one kernel role)
        return all(t.constant is not None for t in params) or len({np.dtype(t.dtype) for t in params}) == 1

    def on_resize(self, inputs, outputs) -> None:
        x, y, params = inputs[0], outputs[0], inputs[1:5]
        channels = math.prod(params[0].shape)
        inner = math.prod(x.shape[1 + len(params[0].shape):])
        outer = x.shape[0]
        self.launches = []
        if y.size == 0:
            return
        double = x.store_dtype == np.float64            # else computed in float, at every precision
        wide = np.dtype(np.float64 if double else np.float32)
        options = self.role("A", x) + [f"-DP_T={'double' if double else 'float'}"]
        eps = self.node.attr("epsilon", 1e-5)
        if all(t.constant is not None for t in params):
            ref = prepared_batchnorm(self, params, eps, wide)
            kind, extra = "affine", [ref.buffer, np.int32(ref.offset)]
        else:
            kind = "stats"
            extra = [a for t in params for a in ref_args(t)] + [wide.type(eps)]
            if params[0].store_dtype != x.store_dtype:
                options += self.role("B", params[0])
        args = [*ref_args(x), *ref_args(y), *extra]
        if inner == 1:
            self.launches.append(self.bind(f"{kind}_row", args + [np.int32(channels), np.int32(outer)], options,
                                           launch(-(-channels // VEC), outer)))
        else:
            self.launches.append(self.bind(f"{kind}_channel", args + [np.int32(inner), np.int32(channels)], options,
                                           launch(-(-inner // VEC), channels, outer)))
