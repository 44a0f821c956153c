"""Conv on OpenCL: 1-D to 3-D, groups, strides, dilations, pads and auto_pad, bias and fused
activation, with the scheme chosen at pre-inference by the cost model (or ``bench --tune``):

- ``conv.direct.<tile>``: one GEMM over the padded, phase-split planes of the input
  (conv_direct.py); pointwise 1x1 convolutions (and any with stride 1 and no padding) read the
  input itself, so they are a plain GEMM. Always available.
- ``conv.depthwise``: group = C = M, 1-D or 2-D (conv_depthwise.py).
- ``conv.winograd_f2x2.<tile>``: 3x3, stride 1, dilation 1, one group, constant weights, enough
  channels (conv_winograd.py).
"""
from __future__ import annotations

from ..execution import FUSED
from ..registry import register
from .conv_depthwise import DepthwiseConv
from .conv_direct import DirectConv
from ...conv_schemes import ConvForm
from .conv_winograd import WinogradConv
from .gemm_core import TILES, device_of, pick, scratch_ref
from .product import ProductExecution, Steps, windowed


@register("Conv")
class CLConv(ConvForm, ProductExecution):
    tiles = TILES
    cost_device = device_of
    family = "conv"
    activations = FUSED

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runner: DirectConv | DepthwiseConv | WinogradConv | None = None

    @classmethod
    def accepts(cls, node, inputs) -> bool:
        return windowed(inputs)

    def plan(self, inputs, outputs) -> DirectConv | DepthwiseConv | WinogradConv:
        if self.runner is None:
            scheme = pick(self, inputs, outputs)
            geo = self.geometry(inputs)
            kind, tile = scheme.name.split(".")[1], TILES.get(scheme.param("tile"))
            if kind == "depthwise":
                self.runner = DepthwiseConv(self, geo)
            elif kind == "winograd_f2x2":
                self.runner = WinogradConv(self, geo, tile)
            else:
                self.runner = DirectConv(self, geo, tile, inputs[1].constant is not None)
        return self.runner

    def scratch_bytes(self, inputs, outputs) -> list[int]:
        if not outputs[0].size:
            return []
        return [n * self.store_dtype().itemsize for n in self.plan(inputs, outputs).scratch_elems()]

    def bind(self, inputs, outputs) -> Steps:
        dtype = self.store_dtype()
        scratch = [scratch_ref(self, i, dtype) for i in range(len(self.scratch_tensors))]
        bias = inputs[2] if len(inputs) > 2 and inputs[2] is not None else None
        return self.plan(inputs, outputs).bind(inputs[0], inputs[1], bias, outputs[0], scratch, dtype)
