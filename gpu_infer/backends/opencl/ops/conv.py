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

import numpy as np

from ....scheduler.schemes import Scheme
from ...gpu_common import float_tensors
from ..execution import FUSED, CLExecution
from ..registry import register
from .conv_depthwise import DepthwiseConv, depthwise_fits, depthwise_seconds
from .conv_direct import DirectConv, direct_seconds, plane_elems
from .conv_geometry import ConvGeometry, conv_geometry
from .conv_winograd import WinogradConv, winograd_fits, winograd_seconds
from .gemm import too_large
from .gemm_core import TILES, device_of, pick, scratch_ref


@register("Conv")
class CLConv(CLExecution):
    family = "conv"
    activations = FUSED

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runner: DirectConv | DepthwiseConv | WinogradConv | None = None

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return (float_tensors(inputs) and float_tensors(outputs) and 3 <= len(inputs[0].shape) <= 5
                and len(inputs[1].shape) == len(inputs[0].shape))

    @classmethod
    def refusal(cls, node, inputs, outputs) -> str | None:
        return super().refusal(node, inputs, outputs) or too_large(
            inputs, outputs, plane_elems(conv_geometry(node, inputs[0].shape, inputs[1].shape)))

    def geometry(self, inputs) -> ConvGeometry:
        return conv_geometry(self.node, inputs[0].shape, inputs[1].shape)

    def item(self) -> int:
        return self.store_dtype().itemsize

    def store_dtype(self) -> np.dtype:
        return self.backend.storage_dtype(np.dtype(np.float32), self.precision)

    def schemes(self, inputs, outputs) -> list[Scheme]:
        geo, device, item = self.geometry(inputs), device_of(self), self.item()
        out = [Scheme(f"conv.direct.{t.kernel}", (("tile", t.kernel),), direct_seconds(t, geo, device, item))
               for t in TILES.values()]
        if depthwise_fits(geo):
            out.append(Scheme("conv.depthwise", (), depthwise_seconds(geo, device, item)))
        if winograd_fits(geo, inputs[1].constant is not None):
            out += [Scheme(f"conv.winograd_f2x2.{t.kernel}", (("tile", t.kernel),),
                           winograd_seconds(t, geo, device, item)) for t in TILES.values()]
        return out

    def plan(self, inputs, outputs) -> DirectConv | DepthwiseConv | WinogradConv | None:
        if self.runner is None and outputs[0].size:
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
        runner = self.plan(inputs, outputs)
        return [] if runner is None else [n * self.item() for n in runner.scratch_elems()]

    def on_resize(self, inputs, outputs) -> None:
        runner = self.plan(inputs, outputs)
        if runner is not None:
            dtype = self.store_dtype()
            scratch = [scratch_ref(self, i, dtype) for i in range(len(self.scratch_tensors))]
            bias = inputs[2] if len(inputs) > 2 and inputs[2] is not None else None
            runner.bind(inputs[0], inputs[1], bias, outputs[0], scratch, dtype)

    def on_execute(self, inputs, outputs) -> None:
        if self.runner is not None:
            self.runner.enqueue()

    def on_release(self) -> None:
        if self.runner is not None:
            self.runner.release()
