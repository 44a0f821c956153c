"""Backend-neutral pieces of the GPU GEMM core (OpenCL gemm_core.py, Vulkan ops/gemm_core.py): a
product's shape, and the host-side packing of constant operands the way the register tiles read
them (done once per session through ``prepare_weight``): plain A operands, convolution and
transposed-convolution weights, Winograd F(2x2, 3x3)'s transformed weights; and the broadcast
batch offsets of a batched MatMul."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv_geometry import ConvGeometry, TransposeGeometry

# Winograd F(2x2, 3x3)'s weight transform G (Lavin & Gray, 2015)
G_MATRIX = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class GemmShape:
    """One product: per batch z and group, (rows x taps*depth) @ (taps*depth x columns)."""
    groups: int
    rows: int                        # Mg
    depth: int                       # C, rows of B per tap
    taps: int
    columns: int                     # N, flat output columns computed (some may be padding)
    batch: int = 1


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
