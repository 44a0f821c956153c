"""MaxPool and AveragePool windows as the GPU kernels see them: (D, H, W) sizes, windows,
strides, dilations, begin pads and where AveragePool counts taps, by the CPU backend's rules."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ShapeInferenceError
from ..base import Tensor
from ..cpu.ops.window import spatial_params

MAX_SPATIAL = 3
INTEGER_MAXPOOL = {"int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"}


@dataclass(frozen=True)
class PoolGeometry:
    """The pool kernels' 4-int arguments: per axis (D, H, W) the input and output sizes, the window, the
    strides, the dilations, the begin pads and the [lo, hi) where AveragePool counts taps."""
    in_size: tuple[int, int, int]
    out_size: tuple[int, int, int]
    window: tuple[int, int, int]
    stride: tuple[int, int, int]
    dilation: tuple[int, int, int]
    pad: tuple[int, int, int]
    lo: tuple[int, int, int]
    hi: tuple[int, int, int]

    def arguments(self) -> list[np.ndarray]:
        """The quantities as 4-int vectors (int4 / ivec4), the fourth 0."""
        return [np.array([*v, 0], np.int32) for v in (self.in_size, self.out_size, self.window, self.stride,
                                                      self.dilation, self.pad, self.lo, self.hi)]


def pool_geometry(node, shape: tuple[int, ...]) -> PoolGeometry:
    """The geometry of a MaxPool / AveragePool node on an input of `shape` (N, C, *spatial), the
    spatial axes right-aligned in (D, H, W); raises ShapeInferenceError for a window that does not fit."""
    spatial = tuple(shape[2:])
    kernel = list(node.attr("kernel_shape"))
    strides, dil, begin, end, out = spatial_params(node, spatial, kernel, bool(node.attr("ceil_mode", 0)))
    include = bool(node.attr("count_include_pad", 0))
    lo = [-b if include else 0 for b in begin]
    hi = [i + e if include else i for i, e in zip(spatial, end)]

    def three(values, fill: int) -> tuple[int, int, int]:
        return tuple([fill] * (MAX_SPATIAL - len(values)) + [int(v) for v in values])
    return PoolGeometry(three(spatial, 1), three(out, 1), three(kernel, 1), three(strides, 1), three(dil, 1),
                        three(begin, 0), three(lo, 0), three(hi, 1))


def pool_fits(node, x: Tensor) -> bool:
    """Whether the pool kernels run this MaxPool / AveragePool on `x`: float32 (MaxPool: integers
    too), 1 to 3 spatial axes, a window that fits."""
    kind_ok = np.dtype(x.dtype) == np.float32 or (node.op_type == "MaxPool"
                                                  and np.dtype(x.dtype).name in INTEGER_MAXPOOL)
    if not kind_ok or not 3 <= len(x.shape) <= 2 + MAX_SPATIAL or node.attr("kernel_shape") is None:
        return False
    try:
        pool_geometry(node, x.shape)
    except ShapeInferenceError:
        return False
    return True
