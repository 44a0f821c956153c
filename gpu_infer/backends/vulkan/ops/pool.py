"""MaxPool (with its optional Indices) and AveragePool over 1 to 3 spatial axes on Vulkan
(spirv_shaders/pool.comp). The global pools are reductions (reduce.py)."""
from __future__ import annotations

import numpy as np

from ...poolnorm.pool_geometry import pool_fits, pool_geometry
from ..execution import VKExecution, kernel_tensors, pack
from ..registry import register
from .reduction import data_modes, data_variant

OUT_COLS = 4                # the neighbouring outputs of a line an invocation computes (pool.comp)


@register("MaxPool", "AveragePool")
class VKPool(VKExecution):
    """Every auto_pad, pads, strides, dilations, ceil_mode, count_include_pad, storage_order;
    float data (MaxPool: integers too). An invocation per OUT_COLS neighbouring outputs of a line."""

    family = "pool"

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        if not pool_fits(node, inputs[0]):
            return (f"{np.dtype(inputs[0].dtype).name} data, a rank outside 3..5, no kernel_shape, or a window "
                    f"that does not fit")
        return kernel_tensors([inputs[0], outputs[0]])      # Indices: int64 as two words, no shaderInt64

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if not y.size:
            return
        g = pool_geometry(self.node, x.shape)
        push = pack(*np.int32([*g.in_size, *g.out_size, *g.window, *g.stride, *g.dilation, *g.pad, *g.lo, *g.hi,
                               x.shape[0] * x.shape[1], self.node.attr("storage_order", 0)]))
        refs, modes = [x.handle, y.handle], data_modes(x, "t") + "w"
        stem = "averagepool" if self.node.op_type == "AveragePool" else "maxpool"
        if len(outputs) > 1 and outputs[1] is not None:
            stem, refs, modes = "maxpool_indices", refs + [outputs[1].handle], "rww"
        lines = y.size // g.out_size[2]
        self.dispatch(stem, data_variant(x), refs, modes, push, lines * -(-g.out_size[2] // OUT_COLS))
