"""Depthwise Conv (group = C = M, 1-D or 2-D) on OpenCL: cl_kernels/conv.cl's ``depthwise``, a
work-item computing 2 rows x 16 consecutive output pixels of one channel (vector loads for
strides 1 and 2 away from the borders), the bias and the fused activation in its epilogue.
The weights are read as the model stores them, [C][KH][KW]: nothing to prepare."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..execution import CLExecution
from ...conv_geometry import ConvGeometry
from .gemm_core import activation_args, launch, ref
from .product import Steps

DW_ROWS, DW_COLS = 2, 16      # outputs per work-item (conv.cl)


class DepthwiseConv:
    def __init__(self, exe: CLExecution, geo: ConvGeometry):
        self.exe, self.geo = exe, geo

    def scratch_elems(self) -> list[int]:
        return []

    def bind(self, x: Any, w: Any, bias: Any, y: Any, scratch: list[Any], dtype: np.dtype) -> Steps:
        geo = self.geo
        _, h, wd = geo.spatial
        _, oh, ow = geo.out
        ints = (geo.channels, h, wd, oh, ow, *geo.kernel[1:], *geo.strides[1:], *geo.dilations[1:],
                *geo.pad_begin[1:])
        args = [*ref(x), *ref(w), *ref(bias if bias is not None else w), np.int32(bias is not None), *ref(y),
                *(np.int32(v) for v in ints), *activation_args(self.exe)]
        name = {1: "depthwise_s1", 2: "depthwise_s2"}.get(geo.strides[2], "depthwise")
        return Steps([launch(self.exe, "conv", name, args,
                             (-(-ow // DW_COLS), -(-oh // DW_ROWS), geo.batch * geo.channels), (8, 1, 1))])
