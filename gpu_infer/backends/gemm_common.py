"""Backend-neutral pieces of the GPU GEMM core (OpenCL ops/gemm_core.py, Vulkan ops/gemm_core.py):
register tiles and the cost model that picks one, a product's shape and operands, the host-side
packing of constant operands the way the tiles read them (done once per session through
``prepare_weight``: plain A operands, convolution and transposed-convolution weights, Winograd
F(2x2, 3x3)'s transformed weights), and the shapes Gemm and MatMul give the product."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .conv_geometry import ConvGeometry, TransposeGeometry

# Winograd F(2x2, 3x3)'s weight transform G (Lavin & Gray, 2015)
G_MATRIX = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


INT32_LIMIT = 2**31 - 2**16          # element indices the kernels compute in int (margin for tiles)


@dataclass(frozen=True)
class Tile:
    rows: int                        # TM: output rows (channels) per work-item
    cols: int                        # TN: consecutive output columns per work-item
    speed: float                     # relative throughput of a full tile (measured per backend)
    shared: bool = False             # a work-group shares blocks of B through local/shared memory

    @property
    def kernel(self) -> str:
        return f"gemm_{'shared_' if self.shared else ''}{self.rows}x{self.cols}"


@dataclass(frozen=True)
class Device:
    """What the cost model knows of the device (the probe's properties)."""
    compute_units: int
    work_group: int                  # the most work-items of a work-group
    gflops_per_unit: float = 20.0    # float FMA throughput of a unit running full tiles
    gbytes: float = 20.0             # memory bandwidth
    launch: float = 10e-6            # seconds one kernel launch costs besides its work
    winograd_speed: float = 0.5      # Winograd's 16 products' rate, of the direct product's

    @property
    def flops(self) -> float:
        return self.compute_units * self.gflops_per_unit * 1e9


@dataclass(frozen=True)
class GemmShape:
    """One product: per batch z and group, (rows x taps*depth) @ (taps*depth x columns)."""
    groups: int
    rows: int                        # Mg
    depth: int                       # C, rows of B per tap
    taps: int
    columns: int                     # N, flat output columns computed (some may be padding)
    batch: int = 1


def gemm_seconds(tile: Tile, shape: GemmShape, device: Device) -> float:
    """The cost model: padded multiply-adds at the tile's speed, less parallel when there are
    few work-items, plus the launch."""
    blocks = shape.groups * math.ceil(shape.rows / tile.rows) * math.ceil(shape.columns / tile.cols) * shape.batch
    flops = 2.0 * blocks * tile.rows * tile.cols * shape.taps * shape.depth
    busy = min(1.0, blocks / (8.0 * device.compute_units))
    return device.launch + flops / (device.flops * tile.speed * max(busy, 1e-3))


@dataclass
class Epilogue:
    """What a product's output gets before it is stored: alpha, beta * C (broadcast by strides),
    the node's fused activation."""
    alpha: float = 1.0
    c: Any = None                    # a Tensor or handle, or None
    c_strides: tuple[int, int] = (0, 0)
    beta: float = 1.0
    activation: bool = True          # False: a product feeding another kernel (no activation)


@dataclass
class OutputPlane:
    """How flat output columns map to stored elements (see gemm_tile.h): a plane `width` wide and
    `height` high of which `out_w` x `out_h` is stored. A plain matrix: width = out_w = N."""
    width: int
    out_w: int
    height: int = 1
    out_h: int = 1


@dataclass
class GemmOperands:
    a: Any                           # packed A (handle)
    b: Any                           # B (Tensor or handle)
    y: Any                           # output (Tensor or handle)
    b_cstride: int                   # elements between consecutive rows of B
    y_mstride: int                   # elements between output channels
    batches: np.ndarray              # (Z, 3) int32: offsets of A, B, y per grid z
    taps: Sequence[int] = (0,)
    n_safe: int = INT32_LIMIT        # tiles reading below this column load whole vectors
    plane: OutputPlane | None = None
    epilogue: Epilogue = field(default_factory=Epilogue)


def pack_host(a: np.ndarray, tile_rows: int, dtype: np.dtype) -> np.ndarray:
    """(G, Mg, K) rows -> (G, ceil(Mg/TM), K, TM): what the tiles read as A, zeros past Mg."""
    g, mg, k = a.shape
    mb = max(-(-mg // tile_rows), 1)
    out = np.zeros((g, mb * tile_rows, k), np.float32)
    out[:, :mg] = a
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(out.reshape(g, mb, tile_rows, k).transpose(0, 1, 3, 2)).astype(dtype)


def packed_elems(groups: int, rows: int, depth: int, tile_rows: int) -> int:
    return groups * max(-(-rows // tile_rows), 1) * tile_rows * depth


def packed_a(array: np.ndarray, rows: int, depth: int, batches: int, transposed: bool, tile_rows: int,
             dtype: np.dtype) -> np.ndarray:
    """A constant A operand, (batches, rows, depth) after transposing its last two dims if
    `transposed`, packed for the tiles."""
    a = np.asarray(array, np.float32)
    a = np.swapaxes(a, -1, -2) if transposed else a
    return pack_host(a.reshape(batches, rows, depth), tile_rows, dtype)


def transposed_b(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A constant B operand of Gemm with transB, transposed once."""
    return np.ascontiguousarray(np.asarray(array, np.float32).T).astype(dtype)


def conv_weights(w: np.ndarray, geo: ConvGeometry, tile_rows: int, dtype: np.dtype) -> np.ndarray:
    """Conv weights (M, Cg, *k) -> [group][row block][tap][channel][TM]."""
    g, mg, cg, taps = geo.groups, geo.mg, geo.cg, geo.taps
    rows = np.asarray(w, np.float32).reshape(g, mg, cg, taps).transpose(0, 1, 3, 2).reshape(g, mg, taps * cg)
    return pack_host(rows, tile_rows, dtype)


def transpose_weights(w: np.ndarray, geo: TransposeGeometry, tile_rows: int, dtype: np.dtype) -> np.ndarray:
    """ConvTranspose weights (C, M/g, *k) -> per group, rows (m, tap) over the group's input
    channels, packed."""
    rows = np.asarray(w, np.float32).reshape(geo.groups, geo.cg, geo.mg * geo.taps).transpose(0, 2, 1)
    return pack_host(rows, tile_rows, dtype)


def winograd_weights(w: np.ndarray, tile_rows: int, dtype: np.dtype) -> np.ndarray:
    """(M, C, 3, 3) -> G g G^T per (m, c), as 16 matrices (M, C) packed for the tiles."""
    u = np.einsum("ik,mckl,jl->ijmc", G_MATRIX, np.asarray(w, np.float64), G_MATRIX)
    m, c = w.shape[:2]
    return pack_host(u.reshape(16, m, c).astype(np.float32), tile_rows, dtype)


def broadcast_index(z: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """Flat index into batch dims `dims` of each row of output batch indices `z` (right-aligned,
    size-1 dims broadcast)."""
    if not dims:
        return np.zeros(len(z), np.int64)
    return np.ravel_multi_index(tuple(np.minimum(z[:, -len(dims):].T, np.array(dims)[:, None] - 1)), dims)


class GemmForm:
    """Gemm's product (a mixin of the backends' Gemm executions): Y = alpha * A' @ B' + beta * C."""

    def dims(self, inputs) -> tuple[int, int, int]:
        """(M, K, N) after transA / transB."""
        a, b = inputs[0].shape, inputs[1].shape
        ta, tb = self.node.attr("transA", 0), self.node.attr("transB", 0)
        m, k = (a[1], a[0]) if ta else (a[0], a[1])
        return m, k, (b[0] if tb else b[1])

    def shape(self, inputs, outputs) -> GemmShape:
        m, k, n = self.dims(inputs)
        return GemmShape(1, m, k, 1, n)

    def runtime_packs(self, inputs, tile: Tile) -> list[int]:
        """Elements of each operand packed at run time (scratch buffers, in order): A, then B
        transposed."""
        m, k, n = self.dims(inputs)
        packs = [packed_elems(1, m, k, tile.rows) if inputs[0].constant is None else 0]
        if self.node.attr("transB", 0) and inputs[1].constant is None:
            packs.append(k * n)
        return packs

    def transposed_constant_b(self, b) -> Any:
        """The device handle of a constant B under transB, transposed on the host once per session."""
        return self.prepare_weight((1, "transposed", self.precision, id(b.constant)),
                                   lambda: transposed_b(b.constant, self.store_dtype()), b.constant,
                                   f"B of {self.node.describe()}")

    def epilogue(self, c) -> Epilogue:
        """alpha, and beta * C broadcast to (M, N) by strides (C absent, empty or beta 0: none)."""
        at = self.node.attr
        beta = float(at("beta", 1.0))
        out = Epilogue(alpha=float(at("alpha", 1.0)), beta=beta)
        if c is not None and beta != 0.0 and c.size:
            cs = (1,) * (2 - len(c.shape)) + tuple(c.shape)
            out.c, out.c_strides = c, (cs[1] if cs[0] != 1 else 0, 1 if cs[1] != 1 else 0)
        return out


class MatMulForm:
    """numpy.matmul's product (a mixin of the backends' MatMul executions): batched with
    broadcast batch dimensions, 1-D operands promoted. B one matrix for every batch (X @ W) folds
    the batch into A's rows; otherwise one grid slice per output batch with broadcast offsets."""

    def operands(self, inputs) -> tuple[tuple[int, ...], tuple[int, ...], int, int, int]:
        """(A's batch dims, B's batch dims, M, K, N), 1-D operands promoted."""
        a, b = tuple(inputs[0].shape), tuple(inputs[1].shape)
        a = (1,) + a if len(a) == 1 else a
        b = b + (1,) if len(b) == 1 else b
        return a[:-2], b[:-2], a[-2], a[-1], b[-1]

    def folded(self, inputs) -> bool:
        """B is one matrix for every batch: the batch joins A's rows (one product)."""
        ab, bb, *_ = self.operands(inputs)
        return math.prod(bb) == 1

    def batch_shape(self, inputs) -> tuple[int, ...]:
        ab, bb, *_ = self.operands(inputs)
        return tuple(np.broadcast_shapes(ab, bb))

    def shape(self, inputs, outputs) -> GemmShape:
        ab, bb, m, k, n = self.operands(inputs)
        if self.folded(inputs):
            return GemmShape(1, m * math.prod(ab), k, 1, n)
        return GemmShape(1, m, k, 1, n, math.prod(self.batch_shape(inputs)))

    def a_batches(self, inputs) -> int:
        ab, *_ = self.operands(inputs)
        return 1 if self.folded(inputs) else math.prod(ab)

    def runtime_packs(self, inputs, tile: Tile) -> list[int]:
        """Elements of A packed at run time (scratch)."""
        shape = self.shape(inputs, None)
        return [self.a_batches(inputs) * packed_elems(1, shape.rows, shape.depth, tile.rows)
                if inputs[0].constant is None else 0]

    def batch_offsets(self, inputs, per_a: int) -> np.ndarray:
        """(Z, 3) int32 element offsets of A (packed, `per_a` apart), B and y per grid slice."""
        ab, bb, m, k, n = self.operands(inputs)
        if self.folded(inputs):
            return np.zeros((1, 3), np.int32)
        out = self.batch_shape(inputs)
        z = np.indices(out).reshape(len(out), -1).T if out else np.zeros((1, 0), np.int64)
        return np.stack([broadcast_index(z, ab) * per_a, broadcast_index(z, bb) * k * n,
                         np.arange(len(z)) * m * n], axis=1).astype(np.int32)
