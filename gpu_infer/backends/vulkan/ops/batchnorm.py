"""BatchNormalization in inference mode on Vulkan (spirv_shaders/batchnorm.comp), where the optimizer
did not fold it into a convolution: y = (x - mean) / sqrt(var + eps) * scale + bias per channel,
the parameters prepared once per session on the host when the statistics are constants, read on
the device when they are not."""
from __future__ import annotations

import math

import numpy as np

from ...gpu_common import prepared_batchnorm
from ..execution import kernel_tensors, pack
from ..registry import register
from .elementwise import FLOATS, VKElementwise, float_reads, texel_code, texel_mode

FORMS = {"channel": 0, "row": 1, "flat": 2}          # batchnorm.comp's FORM_*


@register("BatchNormalization")
class VKBatchNorm(VKElementwise):
    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        x, params = inputs[0], inputs[1:5]
        if any(t is not None for t in outputs[1:]):
            return "training mode (batch statistics) is a reduction, not run here"
        if x is None or len(x.shape) < 2 or len(params) != 4 or any(t is None for t in params):
            return "needs x of rank >= 2 and scale, bias, mean, var"
        why = kernel_tensors([x, *params, outputs[0]], FLOATS)
        if why is not None:
            return why
        shape = params[0].shape
        if any(tuple(t.shape) != tuple(shape) for t in params) or tuple(x.shape[1:1 + len(shape)]) != tuple(shape):
            return "scale, bias, mean and var must have x's channel shape"
        if not all(t.constant is not None for t in params) and \
                any(np.dtype(t.dtype) != np.dtype(x.dtype) for t in params):
            return "statistics computed at run time must have x's element type"
        return None

    def bind(self, inputs, outputs) -> None:
        x, y, params = inputs[0], outputs[0], inputs[1:5]
        if y.size == 0:
            return
        channels = math.prod(params[0].shape)
        inner = math.prod(x.shape[1 + len(params[0].shape):])
        outer = x.shape[0]
        wide = np.dtype(np.float64 if x.store_dtype == np.float64 else np.float32)     # batchnorm.comp's p_t
        eps = self.node.attr("epsilon", 1e-5)
        sizes = (inner, channels, outer) if inner > 1 else (channels, outer)
        grid = self.grid(sizes)
        form = "flat" if grid is None else "channel" if inner > 1 else "row"
        push = [np.int32(v) for v in (y.size, inner, channels, outer)]
        vec = 0
        if all(t.constant is not None for t in params):
            ref = prepared_batchnorm(self, params, eps, wide)
            stem, refs, modes = "batchnorm", [x.handle, y.handle, ref], "rwr"
            vec = float_reads(stem, self.variant(x), inner if form == "channel" else 1)
        else:
            stem, refs, modes = "batchnorm_stats", [x.handle, y.handle, *(t.handle for t in params)], "rwrrrr"
            push.append(wide.type(eps))
        if vec:                     # x through texel views (batchnorm.comp's FLOAT_READS), vec at a time
            refs, modes = refs + [x.handle], "twr" + texel_mode(vec)
            if vec > 1:
                grid = self.grid((inner // vec, channels, outer))
        self.dispatch(stem, self.variant(x), refs, modes, pack(*push), y.size if grid is None else grid[0],
                      None if grid is None else grid[1], constants=(FORMS[form], max(vec, 1)),
                      texel=texel_code(self.variant(x)))
