"""Pooling on OpenCL: MaxPool (with its optional Indices) and AveragePool over 1 to 3 spatial
axes (cl_kernels/pool.cl); GlobalAveragePool and GlobalMaxPool as reductions over the
contiguous spatial block (cl_kernels/reduce.cl)."""
from __future__ import annotations

import numpy as np

from ....scheduler.schemes import Scheme
from ...poolnorm.pool_geometry import pool_fits, pool_geometry
from ..execution import ref_args, round_up
from ..registry import register
from .reduce import CLReduction
from .reduction import CLExactData, chosen_scheme, elem_options, is_float32

W8 = 8                     # outputs along W per work-item of pool_w8
LOCAL = (8, 1, 1)          # as fast as PoCL's own choice, and one compilation per kernel


@register("MaxPool", "AveragePool")
class CLPool(CLExactData):
    family = "pool"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return pool_fits(node, inputs[0])

    @staticmethod
    def indices(outputs) -> bool:
        """Whether MaxPool's optional Indices output is asked for."""
        return len(outputs) > 1 and outputs[1] is not None

    def schemes(self, inputs, outputs) -> list[Scheme]:
        """"pool.one" (an output per work-item) always; "pool.w8" (8 outputs along W per work-item,
        vector reads) for float pools without Indices over D = 1, with W strides 1 or 2 and no W
        dilation. On PoCL a tap costs about 2.7 ns an output one at a time, 1 ns eight at a time."""
        g = pool_geometry(self.node, inputs[0].shape)
        taps = int(np.prod(g.window)) * outputs[0].size
        candidates = [Scheme("pool.one", cost=taps * 2.7e-9)]
        if (is_float32(inputs[0]) and not self.indices(outputs) and g.in_size[0] == g.out_size[0] == 1
                and g.stride[2] in (1, 2) and g.dilation[2] == 1):
            candidates.append(Scheme("pool.w8", cost=taps * 1e-9))
        return candidates

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        g = pool_geometry(self.node, x.shape)
        planes = x.shape[0] * x.shape[1]
        self.empty = y.size == 0
        scheme = chosen_scheme(self, inputs, outputs)
        options = ["-DPOOL_MAX" if self.node.op_type == "MaxPool" else "-DPOOL_AVG", *elem_options(x.dtype)]
        args = [*ref_args(x), *ref_args(y), *g.arguments(), np.int32(planes)]
        if self.indices(outputs):
            name = "maxpool_indices"
            args += [*ref_args(outputs[1]), np.int32(self.node.attr("storage_order", 0))]
        else:
            name = "pool_w8" if scheme.name == "pool.w8" else "pool"
        per_item = W8 if name == "pool_w8" else 1
        self.global_size = (round_up(-(-g.out_size[2] // per_item), 8), g.out_size[1], planes * g.out_size[0])
        self.bound = self.kernel(name, args, options)

    def on_execute(self, inputs, outputs) -> None:
        if not self.empty:
            self.enqueue(self.bound, self.global_size, LOCAL)


@register("GlobalAveragePool", "GlobalMaxPool")
class CLGlobalPool(CLReduction):
    """The mean or maximum of each (n, c) plane: a reduction over the contiguous spatial block
    (poolnorm/reduce_view.py's GLOBAL_POOLS)."""
