"""Conv as one GEMM (gemm_tile.h) over the padded, phase-split planes of its input
(conv_geometry.py), built each run by ``conv_planes`` into scratch; a convolution with stride 1 and
no padding (1x1 pointwise ones above all) reads its input directly. Any rank up to 3-D, groups,
strides, dilations, padding. Weights packed once per session ([group][row block][tap][channel][TM]);
runtime weights are packed by ``pack_rows`` each run."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..execution import CLExecution
from ...conv_geometry import ConvGeometry
from ...conv_schemes import direct_scratch, direct_shape
from ...gemm_common import conv_weights
from .gemm_core import (INT32_LIMIT, Epilogue, GemmLaunch, GemmOperands, Launch, OutputPlane, Tile, launch,
                        pack_launch, ref)
from .product import Steps


class DirectConv:
    """The planes (if any), the runtime weight packing (if any) and the product of one Conv."""

    def __init__(self, exe: CLExecution, geo: ConvGeometry, tile: Tile, constant_weights: bool):
        self.exe, self.geo, self.tile, self.constant_weights = exe, geo, tile, constant_weights

    def scratch_elems(self) -> list[int]:
        return direct_scratch(self.geo, self.tile, self.constant_weights)

    def bind(self, x: Any, w: Any, bias: Any, y: Any, scratch: list[Any], dtype: np.dtype) -> Steps:
        exe, geo, tile = self.exe, self.geo, self.tile
        scratch = list(scratch)
        before = []
        if geo.reads_input:
            planes, n_safe = x, geo.plane_size - max(geo.tap_offsets())
        else:
            planes, n_safe = scratch.pop(0), INT32_LIMIT
            before.append(self.planes_launch(x, planes))
        if self.constant_weights:
            constant = w.constant
            packed = exe.prepare_weight((1, "packed", tile.kernel, exe.precision, id(constant)),
                                        lambda: conv_weights(constant, geo, tile.rows, dtype), constant,
                                        f"the weights of {exe.node.describe()}")
        else:
            packed = scratch.pop(0)
            before.append(pack_launch(exe, w, packed, tile.rows, geo.groups, geo.mg, geo.cg, geo.taps,
                                             (geo.mg * geo.cg * geo.taps, geo.cg * geo.taps, geo.taps, 1)))
        epilogue = Epilogue(c=bias, c_strides=(1, 0)) if bias is not None else Epilogue()
        _, hp, wp = geo.plane
        batches = np.array([(0, z * geo.channels * geo.channel_stride, z * geo.maps * geo.out_size)
                            for z in range(geo.batch)], np.int32).reshape(-1, 3)
        return Steps(before, GemmLaunch(exe, tile, direct_shape(geo), GemmOperands(
            packed, planes, y, b_cstride=geo.channel_stride, y_mstride=geo.out_size, batches=batches,
            taps=geo.tap_offsets(), n_safe=n_safe, plane=OutputPlane(wp, geo.out[2], hp, geo.out[1]),
            epilogue=epilogue)))

    def planes_launch(self, x: Any, planes: Any) -> Launch:
        geo = self.geo
        dp, hp, wp = geo.plane
        slices = geo.batch * geo.channels * geo.phases * dp
        args = [*ref(x), *ref(planes), *(np.int32(v) for v in (*geo.spatial, dp, hp, wp, *geo.strides,
                                                                *geo.pad_begin, slices))]
        return launch(self.exe, "conv", "conv_planes", args, (hp, slices), (8, 1))
