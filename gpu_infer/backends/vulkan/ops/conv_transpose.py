"""ConvTranspose on Vulkan: 1-D to 3-D, groups, strides, dilations, pads, output_padding,
output_shape and auto_pad, bias and fused activation, as on OpenCL. A GEMM (gemm.comp) computes
every tap's contribution of every input position, cols[(m, tap)][i] = sum_c W[c][m][tap] * x[c][i],
into scratch; conv_transpose.comp then has each output element gather the contributions that land
on it, adds the bias and applies the activation. Weights packed once per session (runtime weights
by gemm_pack.comp each run)."""
from __future__ import annotations

import numpy as np

from ...conv_schemes import TransposeForm, transpose_scratch, transpose_shape
from ...gemm_common import Epilogue, GemmOperands, transpose_weights
from ...gpu_common import FUSED, activation_params
from ..execution import pack
from ..registry import register
from .conv import RUN, windowed_refusal
from .gemm_core import TILES, ProductExecution, device_of


@register("ConvTranspose")
class VKConvTranspose(TransposeForm, ProductExecution):
    tiles = TILES
    cost_device = device_of
    family = "conv_transpose"
    activations = FUSED

    @classmethod
    def accepts(cls, node, inputs) -> str | None:
        return windowed_refusal(inputs)

    def scratch_bytes(self, inputs, outputs) -> list[int]:
        if not outputs[0].size:
            return []
        elems = transpose_scratch(self.geometry(inputs), self.tile(inputs, outputs), inputs[1].constant is not None)
        return [max(n, 1) * self.store_dtype().itemsize for n in elems]

    def bind(self, inputs, outputs) -> None:
        if not outputs[0].size:
            return
        x, w, y = inputs[0], inputs[1], outputs[0]
        bias = inputs[2] if len(inputs) > 2 and inputs[2] is not None and inputs[2].size else None
        geo, tile = self.geometry(inputs), self.tile(inputs, outputs)
        cols = self.scratch(0)
        if w.constant is not None:
            constant = w.constant
            packed = self.prepare_weight((1, "packed", tile.kernel, self.precision, id(constant)),
                                         lambda: transpose_weights(constant, geo, tile.rows, self.store_dtype()),
                                         constant, f"the weights of {self.node.describe()}")
        else:
            packed = self.scratch(1)
            self.pack_rows(w, packed, tile.rows, geo.groups, geo.mg * geo.taps, geo.cg, 1,
                           (geo.cg * geo.mg * geo.taps, 1, geo.mg * geo.taps, 0))
        per_batch = geo.maps * geo.taps * geo.in_size
        batches = np.array([(0, z * geo.channels * geo.in_size, z * per_batch) for z in range(geo.batch)],
                           np.int32).reshape(-1, 3)
        self.gemm(tile, transpose_shape(geo), GemmOperands(
            packed, x, cols, b_cstride=geo.in_size, y_mstride=geo.in_size, batches=batches, n_safe=geo.in_size,
            epilogue=Epilogue(activation=False)))
        total = y.size // geo.out[2] * -(-geo.out[2] // RUN)        # RUN outputs along a row per invocation
        code, act_a, act_b = activation_params(self.node)
        ints = (geo.maps, *geo.spatial, *geo.out, *geo.kernel, *geo.strides, *geo.dilations, *geo.crop_begin,
                int(bias is not None), total, code)
        self.dispatch("conv_transpose", self.precision, [cols, cols if bias is None else bias.handle, y.handle],
                      "ttw", pack(np.array(ints, np.int32), act_a, act_b), total)
