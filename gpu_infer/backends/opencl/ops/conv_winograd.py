"""Winograd F(2x2, 3x3) Conv on OpenCL (cl_kernels/winograd.cl): 2-D, 3x3, stride 1, dilation 1,
one group, constant weights. The weights' transform G g G^T is done once per session (packed for
the GEMM tiles); each run transforms the input tiles into scratch, runs the 16 per-position GEMMs
over the input channels (2.25x fewer multiplies than the direct product), and transforms back
with the bias and the fused activation.

Numerics: in float, the transforms add and subtract neighbouring values, so the result differs
from the direct sum by rounding only; a non-finite input value spreads NaN over the outputs of
the 2x2 tiles it touches (inf - inf), where the direct sum keeps an infinity.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..execution import CLExecution
from ...conv_geometry import ConvGeometry
from ...conv_schemes import winograd_scratch, winograd_shape, winograd_tiles
from ...gemm_common import winograd_weights
from .gemm_core import Epilogue, GemmLaunch, GemmOperands, Tile, activation_args, launch, ref
from .product import Steps

class WinogradConv:
    def __init__(self, exe: CLExecution, geo: ConvGeometry, tile: Tile):
        self.exe, self.geo, self.tile = exe, geo, tile

    def scratch_elems(self) -> list[int]:
        return winograd_scratch(self.geo)

    def bind(self, x: Any, w: Any, bias: Any, y: Any, scratch: list[Any], dtype: np.dtype) -> Steps:
        exe, geo, tile = self.exe, self.geo, self.tile
        v, p = scratch
        th, tw = winograd_tiles(geo)
        t = th * tw
        constant = w.constant
        u = exe.prepare_weight((1, "winograd_f2x2", tile.kernel, exe.precision, id(constant)),
                               lambda: winograd_weights(constant, tile.rows, dtype), constant,
                               f"the weights of {exe.node.describe()}")
        _, h, wd = geo.spatial
        inputs = [*ref(x), *ref(v), *(np.int32(n) for n in (geo.channels, h, wd, th, tw, *geo.pad_begin[1:]))]
        transform = launch(exe, "winograd", "winograd_input", inputs, (-(-tw // 4), th, geo.batch * geo.channels),
                           (8, 1, 1))
        per_a = -(-geo.maps // tile.rows) * tile.rows * geo.channels      # one position's packed U
        batches = np.array([((z % 16) * per_a, z * geo.channels * t, z * geo.maps * t)
                            for z in range(16 * geo.batch)], np.int32).reshape(-1, 3)
        product = GemmLaunch(exe, tile, winograd_shape(geo), GemmOperands(
            u, v, p, b_cstride=t, y_mstride=t, batches=batches, n_safe=t, epilogue=Epilogue(activation=False)))
        outputs = [*ref(p), *ref(bias if bias is not None else x), np.int32(bias is not None), *ref(y),
                   *(np.int32(n) for n in (geo.maps, geo.out[1], geo.out[2], th, tw)),
                   *activation_args(exe)]
        back = launch(exe, "winograd", "winograd_output", outputs, (-(-tw // 4), th, geo.batch * geo.maps), (8, 1, 1))
        return Steps([transform], product, [back])
