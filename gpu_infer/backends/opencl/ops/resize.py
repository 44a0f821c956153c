"""Resize (opsets 10 to 19) and Upsample (7, 9) on OpenCL (cl_kernels/resize.cl): the kernels
gather and weigh through the tap table poolnorm/resample.py computes once per plan."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...poolnorm.resample import resampling, resize_fits, tap_table
from ..execution import ref_args, round_up
from ..registry import register
from .reduction import CLExactData, elem_options, int4

LOCAL = (8, 1, 1)


@register("Resize", "Upsample")
class CLResize(CLExactData):
    family = "resize"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return resize_fits(node, inputs, outputs)

    def reads_input(self, index: int) -> bool:
        return index == 0

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        r = resampling(self.node, x, inputs[1:])
        self.empty = y.size == 0 or x.size == 0
        if self.empty:
            return
        taps = tap_table(self.node, r, tuple(x.shape))
        handle = self.prepare_weight(("taps", tuple(x.shape)), lambda: taps.table, source=None,
                                     what=f"the resampling table of {self.node.describe()}")
        args: list[Any] = [*ref_args(x), *ref_args(y), handle.buffer, np.int32(handle.offset), int4(*taps.size),
                           int4(*taps.taps), int4(*taps.starts), np.float32(self.node.attr("extrapolation_value", 0.0))]
        if r.mode == "nearest":
            args.append(np.int32(taps.halves))
        self.global_size = (round_up(-(-taps.size[2] // 8), 8), taps.size[1], taps.size[0])
        self.bound = self.kernel("resize_nearest" if r.mode == "nearest" else "resize_taps", args,
                                 elem_options(x.dtype))

    def on_execute(self, inputs, outputs) -> None:
        if not self.empty:
            self.enqueue(self.bound, self.global_size, LOCAL)
