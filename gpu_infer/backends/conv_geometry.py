"""A convolution's geometry as the GPU kernels (OpenCL and Vulkan) see it: 1-D and 2-D shapes
normalised to 3-D, and the padded, phase-split planes over which any convolution is one GEMM
(cl_kernels/gemm_tile.h, spirv_shaders/gemm.comp).

Planes: the input padded and split by stride phase, so that output (d, h, w) reads tap (kd, kh, kw)
at plane element (d + kd*dd // sd, h + kh*dh // sh, w + kw*dw // sw) of phase
(kd*dd % sd, kh*dh % sh, kw*dw % sw). Every tap is then one constant offset from the output
position, and with the output columns taken over the plane's own row width (the columns past
the output's width are computed and dropped), the reads of a tap are contiguous: a row of B.
A convolution with stride 1 and no padding reads its input as the plane itself.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .cpu.ops.window import spatial_params


def _three(values: list[int], fill: int) -> tuple[int, ...]:
    return (fill,) * (3 - len(values)) + tuple(int(v) for v in values)


@dataclass(frozen=True)
class WindowShape:
    """What Conv and ConvTranspose both have: batch, channels, groups, a kernel sliding with
    strides and dilations, input and output sizes (1-D and 2-D as 3-D with leading 1s)."""
    batch: int
    channels: int                    # C (input channels)
    maps: int                        # M (output channels)
    groups: int
    spatial: tuple[int, int, int]    # input (D, H, W)
    kernel: tuple[int, int, int]
    strides: tuple[int, int, int]
    dilations: tuple[int, int, int]
    out: tuple[int, int, int]

    @property
    def cg(self) -> int:
        return self.channels // self.groups

    @property
    def mg(self) -> int:
        return self.maps // self.groups

    @property
    def taps(self) -> int:
        return math.prod(self.kernel)

    @property
    def out_size(self) -> int:
        return math.prod(self.out)

    @property
    def in_size(self) -> int:
        return math.prod(self.spatial)


@dataclass(frozen=True)
class ConvGeometry(WindowShape):
    pad_begin: tuple[int, int, int]
    pad_end: tuple[int, int, int]
    rank: int                        # spatial dimensions of the model's tensors (1 to 3)

    @property
    def depthwise(self) -> bool:
        return self.groups == self.channels == self.maps

    @property
    def pointwise(self) -> bool:
        return self.taps == 1 and self.reads_input

    @property
    def reads_input(self) -> bool:
        """Stride 1, no padding: the input is its own (single) plane."""
        return all(s == 1 for s in self.strides) and not any(self.pad_begin) and not any(self.pad_end)

    @property
    def macs(self) -> int:
        return self.batch * self.maps * self.out_size * self.cg * self.taps

    # -- planes -------------------------------------------------------------
    @property
    def phases(self) -> int:
        return 1 if self.reads_input else math.prod(self.strides)

    @property
    def plane(self) -> tuple[int, int, int]:
        """(Dp, Hp, Wp): each output position plus the furthest tap's offset (the input's own
        size when it is read directly)."""
        return tuple(o + (k - 1) * d // s for o, k, d, s in zip(self.out, self.kernel, self.dilations, self.strides))

    @property
    def plane_size(self) -> int:
        return math.prod(self.plane)

    @property
    def channel_stride(self) -> int:
        """Elements between one input channel's planes and the next's."""
        return self.phases * self.plane_size

    def tap_offsets(self) -> list[int]:
        """Per tap (kd, kh, kw in row-major order): its element offset from the output position."""
        _, hp, wp = self.plane
        offsets = []
        for kd in range(self.kernel[0]):
            for kh in range(self.kernel[1]):
                for kw in range(self.kernel[2]):
                    q = [k * d for k, d in zip((kd, kh, kw), self.dilations)]
                    phase = ((q[0] % self.strides[0]) * self.strides[1] + q[1] % self.strides[1]) * self.strides[2] \
                        + q[2] % self.strides[2]
                    od, oh, ow = (v // s for v, s in zip(q, self.strides))
                    offsets.append(phase * self.plane_size + (od * hp + oh) * wp + ow)
        return offsets

    @property
    def columns(self) -> int:
        """Flat output columns over the plane: up to the last output position."""
        if not self.out_size:
            return 0
        od, oh, ow = self.out
        _, hp, wp = self.plane
        return ((od - 1) * hp + oh - 1) * wp + ow


def conv_geometry(node, x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> ConvGeometry:
    kernel = list(w_shape[2:])
    strides, dil, begin, end, out = spatial_params(node, x_shape[2:], kernel)
    return ConvGeometry(
        batch=int(x_shape[0]), channels=int(x_shape[1]), maps=int(w_shape[0]), groups=int(node.attr("group", 1)),
        spatial=_three(list(x_shape[2:]), 1), kernel=_three(kernel, 1), strides=_three(strides, 1),
        dilations=_three(dil, 1), out=_three(out, 1), pad_begin=_three(begin, 0), pad_end=_three(end, 0),
        rank=len(kernel))


@dataclass(frozen=True)
class TransposeGeometry(WindowShape):
    """ConvTranspose: the full output s*(i-1) + output_padding + (k-1)*d + 1 cropped by
    `crop_begin` to `out`."""
    crop_begin: tuple[int, int, int]


def transpose_geometry(node, x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> TransposeGeometry:
    """The spec's output size and crops: explicit pads, or output_shape / SAME auto_pad splitting
    the difference from the full size (the larger half at the begin unless SAME_UPPER)."""
    spatial, kernel = [int(v) for v in x_shape[2:]], [int(v) for v in w_shape[2:]]
    nd = len(kernel)
    strides = list(node.attr("strides") or [1] * nd)
    dil = list(node.attr("dilations") or [1] * nd)
    outpad = list(node.attr("output_padding") or [0] * nd)
    full = [s * (i - 1) + p + (k - 1) * d + 1 for s, i, p, k, d in zip(strides, spatial, outpad, kernel, dil)]
    shape, auto = node.attr("output_shape"), node.attr("auto_pad", "NOTSET")
    if shape is not None:
        shape = [int(v) for v in list(shape)[-nd:]]
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        shape = [i * s for i, s in zip(spatial, strides)]
    if shape is None:
        pads = list(node.attr("pads") or [0] * (2 * nd)) if auto != "VALID" else [0] * (2 * nd)
        begin, out = pads[:nd], [f - b - e for f, b, e in zip(full, pads[:nd], pads[nd:])]
    else:
        total = [f - o for f, o in zip(full, shape)]
        begin = [t // 2 if auto == "SAME_UPPER" else t - t // 2 for t in total]
        out = shape
    groups = int(node.attr("group", 1))
    return TransposeGeometry(
        batch=int(x_shape[0]), channels=int(x_shape[1]), maps=int(w_shape[1]) * groups, groups=groups,
        spatial=_three(spatial, 1), kernel=_three(kernel, 1), strides=_three(strides, 1), dilations=_three(dil, 1),
        crop_begin=_three(begin, 0), out=_three(out, 1))
