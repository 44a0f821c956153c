"""Conv on Vulkan: 1-D to 3-D, groups, strides, dilations, pads and auto_pad, bias and fused
activation, with the scheme chosen at pre-inference by the cost model (or ``bench --tune``), as
on OpenCL (conv_schemes.py):

- ``conv.direct.<tile>``: one GEMM (gemm.comp) over the padded, phase-split planes of the input
  (conv.comp PLANES, conv_geometry.py); pointwise 1x1 convolutions (and any with stride 1 and no
  padding) read the input itself: a plain GEMM. Always available; runtime weights are packed by
  gemm_pack.comp each run.
- ``conv.depthwise``: group = C = M, 1-D or 2-D (conv.comp DEPTHWISE).
- ``conv.winograd_f2x2.<tile>``: 3x3, stride 1, dilation 1, one group, constant weights, enough
  channels (winograd.comp around 16 GEMMs; weights transformed once per session).
"""
from __future__ import annotations

import numpy as np

from ...conv_geometry import ConvGeometry
from ...conv_schemes import (ConvForm, direct_scratch, direct_shape, winograd_scratch,
                             winograd_shape, winograd_tiles)
from ...gemm_common import INT32_LIMIT, Epilogue, GemmOperands, OutputPlane, Tile, conv_weights, winograd_weights
from ...gpu_common import FUSED, activation_params
from ..execution import pack
from ..registry import register
from .gemm_core import TILES, ProductExecution, device_of

RUN = 4                  # conv.comp and winograd.comp: outputs per invocation along a row
SHIFT_SLACK = 4          # planes' elements past the whole-tile slack (direct_scratch)


def windowed_refusal(inputs) -> str | None:
    """Why these are not conv-like operands: (N, C, 1 to 3 spatial dims), weights of that rank."""
    if 3 <= len(inputs[0].shape) <= 5 and len(inputs[1].shape) == len(inputs[0].shape):
        return None
    return f"'{inputs[0].name}' and '{inputs[1].name}' are not (N, C, 1 to 3 spatial dims) with weights of that rank"


@register("Conv")
class VKConv(ConvForm, ProductExecution):
    tiles = TILES
    cost_device = device_of
    family = "conv"
    activations = FUSED

    @classmethod
    def accepts(cls, node, inputs) -> str | None:
        return windowed_refusal(inputs)

    def kind(self, inputs, outputs) -> str:
        return self.pick(inputs, outputs).name.split(".")[1]

    def scratch_bytes(self, inputs, outputs) -> list[int]:
        if not outputs[0].size:
            return []
        geo, kind = self.geometry(inputs), self.kind(inputs, outputs)
        if kind == "depthwise":
            elems = []
        elif kind == "winograd_f2x2":
            elems = winograd_scratch(geo)
        else:
            elems = direct_scratch(geo, self.tile(inputs, outputs), inputs[1].constant is not None)
            if not geo.reads_input:      # gemm.comp's shifted reads: up to 3 past the tile's columns
                elems[0] += SHIFT_SLACK
        return [max(n, 1) * self.store_dtype().itemsize for n in elems]

    def bind(self, inputs, outputs) -> None:
        if not outputs[0].size:
            return
        geo, kind = self.geometry(inputs), self.kind(inputs, outputs)
        bias = inputs[2] if len(inputs) > 2 and inputs[2] is not None and inputs[2].size else None
        if kind == "depthwise":
            self.depthwise(geo, inputs[0], inputs[1], bias, outputs[0])
        elif kind == "winograd_f2x2":
            self.winograd(geo, self.tile(inputs, outputs), inputs[0], inputs[1], bias, outputs[0])
        else:
            self.direct(geo, self.tile(inputs, outputs), inputs[0], inputs[1], bias, outputs[0])

    def direct(self, geo: ConvGeometry, tile: Tile, x, w, bias, y) -> None:
        scratch = list(range(len(self.scratch_tensors)))
        if geo.reads_input:
            planes, n_safe = x.handle, geo.plane_size - max(geo.tap_offsets())
        else:
            planes, n_safe = self.scratch(scratch.pop(0)), INT32_LIMIT
            dp, hp, wp = geo.plane
            total = geo.batch * geo.channels * geo.phases * dp * hp * -(-wp // RUN)
            push = np.array([*geo.spatial, dp, hp, wp, *geo.strides, *geo.pad_begin, total], np.int32)
            self.dispatch("conv_planes", self.precision, [x.handle, planes], "tw", push, total)
        if w.constant is not None:
            constant = w.constant
            packed = self.prepare_weight((1, "packed", tile.kernel, self.precision, id(constant)),
                                         lambda: conv_weights(constant, geo, tile.rows, self.store_dtype()), constant,
                                         f"the weights of {self.node.describe()}")
        else:
            packed = self.scratch(scratch.pop(0))
            self.pack_rows(w, packed, tile.rows, geo.groups, geo.mg, geo.cg, geo.taps,
                           (geo.mg * geo.cg * geo.taps, geo.cg * geo.taps, geo.taps, 1))
        _, hp, wp = geo.plane
        batches = np.array([(0, z * geo.channels * geo.channel_stride, z * geo.maps * geo.out_size)
                            for z in range(geo.batch)], np.int32).reshape(-1, 3)
        self.gemm(tile, direct_shape(geo), GemmOperands(
            packed, planes, y, b_cstride=geo.channel_stride, y_mstride=geo.out_size, batches=batches,
            taps=geo.tap_offsets(), n_safe=n_safe, plane=OutputPlane(wp, geo.out[2], hp, geo.out[1]),
            epilogue=Epilogue(c=bias, c_strides=(1, 0)) if bias is not None else Epilogue()))

    def depthwise(self, geo: ConvGeometry, x, w, bias, y) -> None:
        _, h, wd = geo.spatial
        _, oh, ow = geo.out
        total = geo.batch * geo.channels * oh * -(-ow // RUN)
        code, act_a, act_b = activation_params(self.node)
        ints = (geo.channels, h, wd, oh, ow, *geo.kernel[1:], *geo.strides[1:], *geo.dilations[1:],
                *geo.pad_begin[1:], int(bias is not None), total, code)
        push = pack(np.array(ints, np.int32), act_a, act_b)
        # (without a bias, binding 2 is w again: a texel binding the shader declares but skips)
        self.dispatch("conv_depthwise", self.precision, [x.handle, w.handle, (w if bias is None else bias).handle, y.handle],
                      "tttw", push, total)

    def winograd(self, geo: ConvGeometry, tile: Tile, x, w, bias, y) -> None:
        v, prod = self.scratch(0), self.scratch(1)
        th, tw = winograd_tiles(geo)
        t = th * tw
        constant = w.constant
        u = self.prepare_weight((1, "winograd_f2x2", tile.kernel, self.precision, id(constant)),
                                lambda: winograd_weights(constant, tile.rows, self.store_dtype()), constant,
                                f"the weights of {self.node.describe()}")
        _, h, wd = geo.spatial
        total = geo.batch * geo.channels * t
        push = np.array([geo.channels, h, wd, th, tw, *geo.pad_begin[1:], total], np.int32)
        self.dispatch("winograd_input", self.precision, [x.handle, v], "tw", push, total)
        per_a = -(-geo.maps // tile.rows) * tile.rows * geo.channels      # one position's packed U
        batches = np.array([((z % 16) * per_a, z * geo.channels * t, z * geo.maps * t)
                            for z in range(16 * geo.batch)], np.int32).reshape(-1, 3)
        self.gemm(tile, winograd_shape(geo), GemmOperands(u, v, prod, b_cstride=t, y_mstride=t, batches=batches,
                                                          n_safe=t, epilogue=Epilogue(activation=False)))
        code, act_a, act_b = activation_params(self.node)
        total = geo.batch * geo.maps * t
        push = pack(np.array([geo.maps, geo.out[1], geo.out[2], th, tw, int(bias is not None), total, code],
                             np.int32), act_a, act_b)
        self.dispatch("winograd_output", self.precision, [prod, prod if bias is None else bias.handle, y.handle],
                      "ttw", push, total)
