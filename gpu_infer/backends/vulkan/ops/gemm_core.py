"""The GEMM core on Vulkan (spirv_shaders/gemm.comp, gemm_pack.comp), shared by Gemm, MatMul, Conv
and ConvTranspose: the register tiles the cost model picks from, a product's dispatch (its taps and
batch offsets are small int tables prepared once per session), the dispatch that packs a runtime
operand the way the tiles read A, and the base class of the family's executions.

lavapipe runs a work-group as a SIMD loop over its invocations (8 float lanes, AVX2): an
invocation's TM x TN tile is the arithmetic per load, the lanes run consecutive column tiles.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from ....scheduler import probe_all
from ....scheduler.schemes import Scheme, choose_for
from ...base import Tensor
from ...gemm_common import (INT32_LIMIT, Device, GemmOperands, GemmShape, OutputPlane, Tile, gemm_seconds,
                            packed_a)
from ...gpu_common import activation_params
from ..execution import VKExecution, kernel_tensors, pack
from ..memory import VKTensorRef

FLOAT32 = frozenset({np.dtype(np.float32)})
# Tiles (rows x columns per invocation) with their speed relative to 8x16, SGEMM 1024^3 on lavapipe.
# (A shared-memory blocked product ran 5 to 10 times slower than these with texel reads: llvmpipe's
# barriers are coroutine switches.)
TILES = {t.kernel: t for t in (Tile(8, 16, 1.0), Tile(4, 16, 0.7), Tile(8, 8, 0.8))}
GEMM_LOCAL = (64, 1, 1)              # 64 consecutive column tiles of one row block per work-group
PACK_LOCAL = (64, 1, 1)
# lavapipe on the 2-core VM: Winograd's products ran at the direct product's rate (96 -> 24
# channels at 160x160: Winograd took 0.66 times the direct convolution's time)
LAVAPIPE = Device(compute_units=2, work_group=1024, gflops_per_unit=2.0, gbytes=4.0, launch=5e-6, winograd_speed=1.0)


def device_of(exe: VKExecution) -> Device:
    """The cost model's device: lavapipe's measured rates, the probed compute units."""
    status = probe_all()["vulkan"]
    props = status.device.properties if status.device is not None else {}
    return dataclasses.replace(LAVAPIPE, compute_units=int(props.get("compute_units", LAVAPIPE.compute_units)))


def gemm_schemes(prefix: str, shape: GemmShape, device: Device) -> list[Scheme]:
    """One scheme per tile shape, named prefix.gemm_RxC."""
    return [Scheme(f"{prefix}.{t.kernel}", (("tile", t.kernel),), gemm_seconds(t, shape, device))
            for t in TILES.values()]


def handle(t: Any) -> VKTensorRef:
    return t.handle if isinstance(t, Tensor) else t


def too_large(inputs: list[Tensor | None], outputs: list[Tensor | None], elements: int = 0) -> str | None:
    """Why the shaders cannot index these tensors or `elements` of scratch (32-bit indices), or None."""
    largest = max([t.size for t in inputs + outputs if t is not None] + [elements])
    if largest >= INT32_LIMIT:
        return (f"{largest} elements (tensor or scratch) exceed the Vulkan shaders' 32-bit indexing "
                f"(at most {INT32_LIMIT})")
    return None


class ProductExecution(VKExecution):
    """A node run as dispatches around one product; subclasses' ``bind`` makes them."""

    family = "gemm"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scheme: Scheme | None = None

    @classmethod
    def accepts(cls, node, inputs: list[Tensor | None]) -> str | None:
        """Why the shaders cannot take these shapes and attributes (None: they can)."""
        return None

    @classmethod
    def scratch_limit(cls, node, inputs: list[Tensor | None]) -> int:
        """The largest scratch buffer in elements (checked against the 32-bit indexing)."""
        return 0

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        return (kernel_tensors(list(inputs) + list(outputs), FLOAT32) or cls.accepts(node, inputs)
                or too_large(list(inputs), list(outputs), cls.scratch_limit(node, inputs)))

    def pick(self, inputs, outputs) -> Scheme:
        """The scheme this node runs with (tuned, forced or the cheapest estimate), once."""
        if self.scheme is None:
            self.scheme = choose_for(self, inputs, outputs)
        return self.scheme

    def tile(self, inputs, outputs) -> Tile:
        return TILES[self.pick(inputs, outputs).param("tile")]

    def store_dtype(self) -> np.dtype:
        return self.backend.storage_dtype(np.dtype(np.float32), self.precision)

    def table(self, what: str, values: Sequence[int] | np.ndarray) -> VKTensorRef:
        """A small int32 table (taps, batch offsets) on the device, uploaded once per session."""
        data = np.asarray(values, np.int32).ravel()
        data = data if data.size else np.zeros(1, np.int32)
        return self.prepare_weight(("table", what, data.tobytes()), lambda: data, data,
                                   f"the {what} table of {self.node.describe()}")

    def packed_constant(self, array: np.ndarray, tile: Tile, rows: int, depth: int, batches: int,
                        transposed: bool) -> VKTensorRef:
        """A constant A operand, (batches, rows, depth) after transposing if `transposed`, packed once."""
        return self.prepare_weight((0, tile.kernel, self.precision, id(array)),
                                   lambda: packed_a(array, rows, depth, batches, transposed, tile.rows,
                                                    self.store_dtype()), array, f"A of {self.node.describe()}")

    def gemm(self, tile: Tile, shape: GemmShape, ops: GemmOperands) -> None:
        """The product's dispatch (nothing for an empty one)."""
        if shape.columns == 0 or shape.rows == 0 or len(ops.batches) == 0:
            return
        plane = ops.plane or OutputPlane(shape.columns, shape.columns)
        ep = ops.epilogue
        mb = max(-(-shape.rows // tile.rows), 1)
        # every B row, tap and batch slice starts on a vec4: whole-vector reads
        aligned = all(int(v) % 4 == 0 for v in (ops.b_cstride, *ops.taps, *np.asarray(ops.batches)[:, :2].ravel()))
        code, act_a, act_b = activation_params(self.node) if ep.activation else (0, np.float32(0), np.float32(0))
        ints = (len(ops.taps), shape.depth, shape.groups, mb, shape.rows, shape.columns, min(ops.n_safe, INT32_LIMIT),
                ops.b_cstride, ops.y_mstride, plane.width, plane.out_w, plane.height, plane.out_h,
                int(ep.c is not None), ep.c_strides[0], ep.c_strides[1], int(aligned))
        push = pack(np.array(ints, np.int32), np.float32(ep.alpha), np.float32(ep.beta), np.int32(code),
                    np.float32(act_a), np.float32(act_b))
        y = handle(ops.y)
        c = handle(ep.c) if ep.c is not None else y
        a, b = handle(ops.a), handle(ops.b)
        # A (four at a time) and B (one and four at a time) read through texel buffers where they can
        # be (texel.py); binding 0 is unused
        refs = [a, b, c, self.table("taps", ops.taps), self.table("batches", ops.batches), y, a, b]
        modes = "-t" + ("r" if ep.c is not None else "-") + "rrw" + "vv"
        grid = (-(-shape.columns // tile.cols), shape.groups * mb, len(ops.batches))
        self.dispatch(tile.kernel, self.precision, refs, modes, push, grid, GEMM_LOCAL)

    def pack_rows(self, src: Any, dst: VKTensorRef, tile_rows: int, groups: int, rows: int, depth: int, taps: int,
                  strides: tuple[int, int, int, int], batch: int = 1, src_zs: int = 0) -> None:
        """gemm_pack.comp: a runtime operand (per group, rows of depth*taps) packed as the tiles read
        A; source element (g, row, k = t*depth + c) at g*gs + row*rs + c*cs + t*ts for strides =
        (gs, rs, cs, ts). With tile_rows 1, a strided copy."""
        k = depth * taps
        mb = max(-(-rows // tile_rows), 1)
        if not k or not rows:
            return
        push = np.array([src_zs, groups * mb * k * tile_rows, tile_rows, depth, k, rows, mb, groups, *strides],
                        np.int32)
        self.dispatch("gemm_pack", self.precision, [handle(src), dst], "tw", push, (k, groups * mb, batch),
                      PACK_LOCAL)
