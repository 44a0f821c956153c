"""ConvTranspose on OpenCL: 1-D to 3-D, groups, strides, dilations, pads, output_padding,
output_shape and auto_pad, bias and fused activation. A GEMM (gemm_core.py) computes every tap's
contribution of every input position, cols[(m, tap)][i] = sum_c W[c][m][tap] * x[c][i], into
scratch; ``col2im`` (cl_kernels/conv_transpose.cl) then has each output element gather the
contributions that land on it, adds the bias and applies the activation. Weights packed once
per session (runtime weights by ``pack_rows`` each run)."""
from __future__ import annotations

import numpy as np

from ..execution import FUSED
from ..registry import register
from ...conv_schemes import TransposeForm, transpose_scratch, transpose_shape
from ...gemm_common import transpose_weights
from .gemm_core import (TILES, Epilogue, GemmLaunch, GemmOperands, activation_args, device_of, launch,
                        pack_launch, ref, scratch_ref)
from .product import ProductExecution, Steps, windowed


@register("ConvTranspose")
class CLConvTranspose(TransposeForm, ProductExecution):
    tiles = TILES
    cost_device = device_of
    family = "conv_transpose"
    activations = FUSED

    @classmethod
    def accepts(cls, node, inputs) -> bool:
        return windowed(inputs)

    def scratch_bytes(self, inputs, outputs) -> list[int]:
        if not outputs[0].size:
            return []
        elems = transpose_scratch(self.geometry(inputs), self.choose_tile(inputs, outputs), inputs[1].constant is not None)
        return [n * self.store_dtype().itemsize for n in elems]

    def bind(self, inputs, outputs) -> Steps:
        x, w, y = inputs[0], inputs[1], outputs[0]
        bias = inputs[2] if len(inputs) > 2 else None
        geo, tile, dtype = self.geometry(inputs), self.choose_tile(inputs, outputs), self.store_dtype()
        cols = scratch_ref(self, 0, dtype)
        before = []
        if w.constant is not None:
            constant = w.constant
            packed = self.prepare_weight((1, "packed", tile.kernel, self.precision, id(constant)),
                                         lambda: transpose_weights(constant, geo, tile.rows, dtype), constant,
                                         f"the weights of {self.node.describe()}")
        else:
            packed = scratch_ref(self, 1, dtype)
            before.append(pack_launch(self, w, packed, tile.rows, geo.groups, geo.mg * geo.taps, geo.cg, 1,
                                      (geo.cg * geo.mg * geo.taps, 1, geo.mg * geo.taps, 0)))
        per_batch = geo.maps * geo.taps * geo.in_size
        batches = np.array([(0, z * geo.channels * geo.in_size, z * per_batch) for z in range(geo.batch)],
                           np.int32).reshape(-1, 3)
        product = GemmLaunch(self, tile, transpose_shape(geo), GemmOperands(
            packed, x, cols, b_cstride=geo.in_size, y_mstride=geo.in_size, batches=batches, n_safe=geo.in_size,
            epilogue=Epilogue(activation=False)))
        od, oh, ow = geo.out
        slices = geo.batch * geo.maps * od
        ints = (geo.maps, *geo.spatial, *geo.out, *geo.kernel, *geo.strides, *geo.dilations, *geo.crop_begin, slices)
        args = [*ref(cols), *ref(bias if bias is not None else y), np.int32(bias is not None), *ref(y),
                *(np.int32(v) for v in ints), *activation_args(self)]
        gather = launch(self, "conv_transpose", "col2im", args, (oh, slices), (8, 1))
        return Steps(before, product, [gather])
