"""The convolution schemes' cost model and sizes, shared by the GPU backends (OpenCL ops/conv*.py,
Vulkan ops/conv*.py): the general convolution as one GEMM over padded planes, depthwise
convolution, Winograd F(2x2, 3x3), and ConvTranspose as a GEMM plus a gather (col2im). Costs are
seconds on the cost model's Device (gemm_common.py)."""
from __future__ import annotations

from ..scheduler.schemes import Scheme
from .conv_geometry import ConvGeometry, TransposeGeometry, conv_geometry, transpose_geometry
from .gemm_common import Device, GemmShape, Tile, gemm_seconds, packed_elems

DEPTHWISE_SPEED = 0.25       # of the GEMM tiles' FMA rate: one weight and one load per FMA


def direct_shape(geo: ConvGeometry) -> GemmShape:
    return GemmShape(geo.groups, geo.mg, geo.cg, geo.taps, geo.columns, geo.batch)


def plane_elems(geo: ConvGeometry) -> int:
    return geo.batch * geo.channels * geo.channel_stride


def direct_seconds(tile: Tile, geo: ConvGeometry, device: Device, item: int) -> float:
    planes = 0.0 if geo.reads_input else \
        device.launch + (geo.batch * geo.channels * geo.in_size + plane_elems(geo)) * item / (device.gbytes * 1e9)
    return gemm_seconds(tile, direct_shape(geo), device) + planes


def depthwise_fits(geo: ConvGeometry) -> bool:
    return geo.depthwise and geo.rank <= 2


def depthwise_seconds(geo: ConvGeometry, device: Device, item: int) -> float:
    traffic = geo.batch * geo.channels * (geo.in_size + geo.out_size) * item / (device.gbytes * 1e9)
    return device.launch + 2.0 * geo.macs / (device.flops * DEPTHWISE_SPEED) + traffic


MIN_CHANNELS = 8             # below this the transforms' traffic outweighs the saved multiplies
# Measured on PoCL (2 cores, AVX2), 96 -> 24 channels at 160x160: the 16 products run at about
# half the direct product's rate (Device.winograd_speed: each reads its B rows from 16 planes of
# scratch, not from one input kept in cache) and the transforms move their scratch at about half
# the nominal bandwidth; the whole took 1.7 times the direct convolution there, so the cost model
# picks Winograd only where the channels are many for the image size (and bench --tune can
# measure it anywhere).
TRAFFIC_SPEED = 0.5


def winograd_fits(geo: ConvGeometry, constant_weights: bool) -> bool:
    return (constant_weights and geo.rank == 2 and geo.kernel == (1, 3, 3) and geo.strides == (1, 1, 1)
            and geo.dilations == (1, 1, 1) and geo.groups == 1 and geo.channels >= MIN_CHANNELS
            and geo.maps >= MIN_CHANNELS)


def winograd_tiles(geo: ConvGeometry) -> tuple[int, int]:
    return -(-geo.out[1] // 2), -(-geo.out[2] // 2)


def winograd_shape(geo: ConvGeometry) -> GemmShape:
    th, tw = winograd_tiles(geo)
    return GemmShape(1, geo.maps, geo.channels, 1, th * tw, 16 * geo.batch)


def winograd_scratch(geo: ConvGeometry) -> list[int]:
    th, tw = winograd_tiles(geo)
    return [16 * geo.batch * geo.channels * th * tw, 16 * geo.batch * geo.maps * th * tw]


def winograd_seconds(tile: Tile, geo: ConvGeometry, device: Device, item: int) -> float:
    v, p = winograd_scratch(geo)
    io = geo.batch * (geo.channels * geo.in_size + geo.maps * geo.out_size)
    traffic = (io + 2 * v + 2 * p) * item / (device.gbytes * 1e9 * TRAFFIC_SPEED)
    return 2 * device.launch + traffic + gemm_seconds(tile, winograd_shape(geo), device) / device.winograd_speed


def transpose_shape(geo: TransposeGeometry) -> GemmShape:
    return GemmShape(geo.groups, geo.mg * geo.taps, geo.cg, 1, geo.in_size, geo.batch)


def cols_elems(geo: TransposeGeometry) -> int:
    return geo.batch * geo.maps * geo.taps * geo.in_size


def transpose_seconds(tile: Tile, geo: TransposeGeometry, device: Device, item: int) -> float:
    """The product over every tap, then col2im reading the taps' contributions back."""
    gather = device.launch + 2 * cols_elems(geo) * item / (device.gbytes * 1e9)
    return gemm_seconds(tile, transpose_shape(geo), device) + gather


def conv_schemes(geo: ConvGeometry, tiles: dict[str, Tile], device: Device, item: int,
                 constant_weights: bool) -> list[Scheme]:
    """Conv's candidates: direct per tile, depthwise and Winograd per tile where they fit."""
    out = [Scheme(f"conv.direct.{t.kernel}", (("tile", t.kernel),), direct_seconds(t, geo, device, item))
           for t in tiles.values()]
    if depthwise_fits(geo):
        out.append(Scheme("conv.depthwise", (), depthwise_seconds(geo, device, item)))
    if winograd_fits(geo, constant_weights):
        out += [Scheme(f"conv.winograd_f2x2.{t.kernel}", (("tile", t.kernel),),
                       winograd_seconds(t, geo, device, item)) for t in tiles.values()]
    return out


def direct_scratch(geo: ConvGeometry, tile: Tile, constant_weights: bool) -> list[int]:
    """Elements of the direct scheme's scratch: the planes (unless it reads the input), then the
    runtime weights packed."""
    out = [] if geo.reads_input else [plane_elems(geo) + tile.cols]   # slack: whole-tile reads
    if not constant_weights:
        out.append(packed_elems(geo.groups, geo.mg, geo.cg * geo.taps, tile.rows))
    return out


def transpose_schemes(geo: TransposeGeometry, tiles: dict[str, Tile], device: Device, item: int) -> list[Scheme]:
    return [Scheme(f"conv_transpose.{t.kernel}", (("tile", t.kernel),), transpose_seconds(t, geo, device, item))
            for t in tiles.values()]


def transpose_scratch(geo: TransposeGeometry, tile: Tile, constant_weights: bool) -> list[int]:
    """Elements of ConvTranspose's scratch: every tap's contributions, then the runtime weights packed."""
    out = [cols_elems(geo)]
    if not constant_weights:
        out.append(packed_elems(geo.groups, geo.mg * geo.taps, geo.cg, tile.rows))
    return out


class ConvForm:
    """A Conv execution's geometry, schemes and scratch bound, the same on every GPU backend; the
    execution class supplies its GEMM `tiles` and `cost_device` (its cost model's Device)."""
    tiles: dict[str, Tile] = {}

    def cost_device(self) -> Device:
        raise NotImplementedError

    @classmethod
    def scratch_limit(cls, node, inputs) -> int:
        return plane_elems(conv_geometry(node, inputs[0].shape, inputs[1].shape))

    def geometry(self, inputs) -> ConvGeometry:
        return conv_geometry(self.node, inputs[0].shape, inputs[1].shape)

    def schemes(self, inputs, outputs) -> list[Scheme]:
        return conv_schemes(self.geometry(inputs), self.tiles, self.cost_device(), self.store_dtype().itemsize,
                            inputs[1].constant is not None)


class TransposeForm:
    """The same for ConvTranspose."""
    tiles: dict[str, Tile] = {}

    def cost_device(self) -> Device:
        raise NotImplementedError

    @classmethod
    def scratch_limit(cls, node, inputs) -> int:
        return cols_elems(transpose_geometry(node, inputs[0].shape, inputs[1].shape))

    def geometry(self, inputs) -> TransposeGeometry:
        return transpose_geometry(self.node, inputs[0].shape, inputs[1].shape)

    def schemes(self, inputs, outputs) -> list[Scheme]:
        return transpose_schemes(self.geometry(inputs), self.tiles, self.cost_device(), self.store_dtype().itemsize)
