"""Resize (opsets 10 to 19) and Upsample (7, 9) on Vulkan (spirv_shaders/resize.comp): the shader
gathers and weighs through the tap table poolnorm/resample.py computes once per plan."""
from __future__ import annotations

import numpy as np

from ...poolnorm.resample import resampling, resize_fits, tap_table
from ..execution import VKExecution, kernel_tensors, pack
from ..registry import register
from .reduction import data_modes, data_variant

TILE_LINES, TILE_COLS = 4, 4          # the outputs an invocation computes (resize.comp)


@register("Resize", "Upsample")
class VKResize(VKExecution):
    """Nearest (every nearest_mode; any element type), linear and cubic (float), every
    coordinate_transformation_mode; scales, sizes and roi constant at planning."""

    family = "resize"

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        if not resize_fits(node, inputs, outputs):
            return ("operands not constant at planning, or a mode, coordinate mode or element type the shaders "
                    "do not run")
        return kernel_tensors([inputs[0], outputs[0]])

    def reads_input(self, index: int) -> bool:
        return index == 0

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if not (x.size and y.size):
            return
        r = resampling(self.node, x, inputs[1:])
        taps = tap_table(self.node, r, tuple(x.shape))
        table = self.prepare_weight(("taps", tuple(x.shape)), lambda: taps.table, source=None,
                                    what=f"the resampling table of {self.node.describe()}")
        push = pack(*np.int32([*taps.size, *taps.taps, *taps.starts]),
                    np.float32(self.node.attr("extrapolation_value", 0.0)))
        stem = "resize_nearest" if r.mode == "nearest" else "resize_taps"
        tiles = -(-taps.size[2] // TILE_COLS) * -(-(taps.size[0] * taps.size[1]) // TILE_LINES)
        self.dispatch(stem, data_variant(x), [x.handle, y.handle, table], data_modes(x, "t") + "wr", push, tiles)
