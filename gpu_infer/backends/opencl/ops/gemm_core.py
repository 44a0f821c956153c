"""The GEMM core on OpenCL (cl_kernels/gemm.cl, gemm_tile.h), shared by Gemm, MatMul, Conv and
ConvTranspose: tile shapes and the cost model that picks one, operands packed the way the tiles
read them (on the host, once, for constants; by the ``pack_rows`` kernel for runtime operands),
and bound launches.

A work-item computes a tile of TM output rows x TN consecutive output columns with float8 loads
along the columns (the contiguous dimension, so PoCL and GPU compilers alike get full vectors),
and accumulates in float at every precision. Tiles measured on PoCL (2 cores, AVX2), SGEMM
1024^3: 6x16 about 1.3x the speed of 4x16 and 8x8, which waste less on small or odd row counts.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ....scheduler import probe_all
from ....scheduler.schemes import Scheme, choose
from ...base import Tensor
from ...gemm_common import (INT32_LIMIT, Device, Epilogue, GemmOperands, GemmShape, OutputPlane,  # noqa: F401
                            Tile, gemm_seconds, packed_elems)  # (Epilogue, packed_elems: for the other modules)
from ..execution import ACTIVATION_CODES, CLExecution, activation_options, round_up

GEMM_LOCAL = (8, 4, 1)               # 8 column tiles x 4 row blocks: the blocks share B in cache
LAUNCH_SECONDS = 10e-6               # host and driver cost of one enqueued kernel (PoCL: 5-7 us)


TILES = {t.kernel: t for t in (Tile(6, 16, 1.0), Tile(4, 16, 0.75), Tile(8, 8, 0.75))}
# Families whose source builds the one kernel named by -DKERNEL_<name>: PoCL compiles every kernel
# of a program when its binary is read for the disk cache (seconds per GEMM tile), so a session
# builds only the kernels it runs.
ONE_KERNEL_FAMILIES = frozenset({"gemm", "conv"})
MAIN_TILE = "gemm_6x16"
# Another tile is picked only where its estimate beats the main one's by this fraction and this
# time: each distinct tile kernel a session runs costs seconds to compile with a cold cache (PoCL:
# 3-7 s per tile, build and work-group function), and the detector's small products (its 1x1-pixel
# squeeze-excitation convs, launch-bound) had picked all three tiles for estimates 1-9 us apart.
TILE_MARGIN = 0.15
TILE_MARGIN_SECONDS = 20e-6


def _attr_text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype.name}{list(value.shape)}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_attr_text(v) for v in value) + "]"
    return str(value)


def op_key(exe: CLExecution, inputs: Sequence[Tensor | None]) -> str:
    """The tuning cache's key of a node: op type | input types and shapes | attributes | fused
    activation | precision."""
    node = exe.node
    ins = " ".join("-" if t is None else f"{np.dtype(t.dtype).name}{list(t.shape)}".replace(" ", "") for t in inputs)
    attrs = " ".join(f"{k}={_attr_text(v)}".replace(" ", "") for k, v in sorted(node.attrs.items()))
    act = node.activation
    act_text = "-" if act is None else act.op_type + "".join(f",{k}={v}" for k, v in sorted(act.attrs.items()))
    return f"{node.op_type}|{ins}|{attrs}|act={act_text}|{exe.precision}"


def pick(exe: CLExecution, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> Scheme:
    """The scheme `exe` runs with: tuned (``bench --tune``) or the cheapest estimate, favouring
    the main tile (favour_main_tile)."""
    return choose(exe.backend.rt.describe(), op_key(exe, inputs), favour_main_tile(exe.schemes(inputs, outputs)))


def favour_main_tile(candidates: list[Scheme]) -> list[Scheme]:
    """`candidates` with MAIN_TILE's estimates lowered so that another scheme wins only where it
    is cheaper by TILE_MARGIN and TILE_MARGIN_SECONDS."""
    return [dataclasses.replace(c, cost=min(c.cost / (1 + TILE_MARGIN), c.cost - TILE_MARGIN_SECONDS))
            if c.param("tile") == MAIN_TILE else c for c in candidates]


def device_of(exe: CLExecution) -> Device:
    status = probe_all()["opencl"]
    props = status.device.properties if status.device is not None else {}
    return Device(int(props.get("compute_units", 1)), int(props.get("max_work_group_size", 256)),
                  launch=LAUNCH_SECONDS)


def gemm_schemes(prefix: str, shape: GemmShape, device: Device) -> list[Scheme]:
    """One scheme per tile shape, named prefix.gemm_RxC."""
    return [Scheme(f"{prefix}.{t.kernel}", (("tile", t.kernel),), gemm_seconds(t, shape, device))
            for t in TILES.values()]


@dataclass
class Launch:
    """A kernel with its arguments bound, and its work sizes."""
    kernel: Any
    global_size: tuple[int, ...]
    local_size: tuple[int, ...]

    def enqueue(self, exe: CLExecution) -> None:
        if all(self.global_size):
            exe.enqueue(self.kernel, self.global_size, self.local_size)


def fit_local(local_size: Sequence[int], limit: int) -> tuple[int, ...]:
    """`local_size` halved along its largest dimension until it holds at most `limit` work-items."""
    size = list(local_size)
    while math.prod(size) > max(limit, 1):
        k = size.index(max(size))
        size[k] = max(size[k] // 2, 1)
    return tuple(size)


def launch(exe: CLExecution, family: str, name: str, args: Sequence[Any], items: Sequence[int],
           local_size: Sequence[int]) -> Launch:
    """Kernel `name` of cl_kernels/<family>.cl at the node's precision (one program per family and
    precision, or per kernel in ONE_KERNEL_FAMILIES; the fused activation is an argument, see
    activation_any.h), bound to `args`, over `items` work-items per dimension (0 in any: nothing to
    run). The local size is fixed per kernel (PoCL compiles a work-group function per local size:
    one that varied with the shape would compile anew for every shape), within the device's limit;
    the global size is rounded up to it (the kernels check their bounds)."""
    rt = exe.backend.rt
    options = exe.options(f"-DKERNEL_{name}") if family in ONE_KERNEL_FAMILIES else exe.options()
    kernel = rt.kernel(rt.program(family, options), name, list(args), exe.node.describe())
    local = fit_local(local_size, device_of(exe).work_group)
    return Launch(kernel, tuple(round_up(n, l) if n else 0 for n, l in zip(items, local)), local)


def activation_args(exe: CLExecution, enabled: bool = True) -> list[Any]:
    """The code and the two parameters of the node's fused activation (code 0: none)."""
    code = ACTIVATION_CODES[exe.node.activation.op_type] if enabled and exe.node.activation else 0
    return [np.int32(code), *activation_options(exe.node)[1]]


def scratch_ref(exe: CLExecution, index: int, dtype: np.dtype) -> Any:
    """Scratch buffer `index` of `exe` seen as elements of `dtype` (its handle counts bytes)."""
    from ..backend import CLTensorRef          # (backend.py imports every execution module)
    h = exe.scratch_tensors[index].handle
    return CLTensorRef(h.buffer, h.offset // np.dtype(dtype).itemsize)


def ref(t: Any) -> list[Any]:
    """A tensor's handle (or a handle itself) as [buffer, element offset]."""
    h = t.handle if isinstance(t, Tensor) else t
    return [h.buffer, np.int32(h.offset)]


def _table(values: Sequence[int] | np.ndarray) -> np.ndarray:
    data = np.asarray(values, np.int32).ravel()
    return data if data.size else np.zeros(1, np.int32)


class GemmLaunch:
    """One product on the device: the tile kernel bound to its operands, plus its two small tables."""

    def __init__(self, exe: CLExecution, tile: Tile, shape: GemmShape, ops: GemmOperands):
        rt = exe.backend.rt
        self.exe = exe
        what = exe.node.describe()
        self.tables = [rt.buffer(0, f"a table of {what}", hostbuf=_table(v), read_only=True)
                       for v in (ops.taps, ops.batches)]
        plane = ops.plane or OutputPlane(shape.columns, shape.columns)
        ep = ops.epilogue
        c = ep.c if ep.c is not None else ops.y
        mb = max(-(-shape.rows // tile.rows), 1)
        args = [*ref(ops.a), *ref(ops.b), np.int32(ops.b_cstride), self.tables[1], self.tables[0],
                np.int32(len(ops.taps)), np.int32(shape.depth), np.int32(shape.groups), np.int32(mb),
                np.int32(shape.rows), np.int32(shape.columns), np.int32(min(ops.n_safe, INT32_LIMIT)),
                *ref(ops.y), np.int32(ops.y_mstride), np.int32(plane.width), np.int32(plane.out_w),
                np.int32(plane.height), np.int32(plane.out_h), np.float32(ep.alpha), *ref(c),
                np.int32(ep.c is not None), np.int32(ep.c_strides[0]), np.int32(ep.c_strides[1]),
                np.float32(ep.beta), *activation_args(exe, ep.activation)]
        self.launch = launch(exe, "gemm", tile.kernel, args,
                             (-(-shape.columns // tile.cols), shape.groups * mb, len(ops.batches)), GEMM_LOCAL)
        self.empty = shape.columns == 0 or shape.rows == 0 or len(ops.batches) == 0

    def enqueue(self) -> None:
        if not self.empty:
            self.launch.enqueue(self.exe)

    def release(self) -> None:
        for t in self.tables:
            self.exe.backend.rt.free(t)
        self.tables = []


def pack_launch(exe: CLExecution, src: Any, dst: Any, tile_rows: int, groups: int, rows: int, depth: int,
                taps: int, strides: tuple[int, int, int, int], batch: int = 1, src_zs: int = 0) -> Launch:
    """The pack_rows kernel: a runtime operand (per group, rows of depth*taps) packed as the tiles
    read A; source element (g, row, k = t*depth + c) at g*gs + row*rs + c*cs + t*ts for
    strides = (gs, rs, cs, ts). With tile_rows 1, a strided copy."""
    k = depth * taps
    mb = max(-(-rows // tile_rows), 1)
    dst_zs = groups * mb * k * tile_rows
    args = [*ref(src), np.int32(src_zs), *ref(dst), np.int32(dst_zs), np.int32(tile_rows), np.int32(depth),
            np.int32(k), np.int32(rows), np.int32(mb), np.int32(groups), *(np.int32(s) for s in strides)]
    return launch(exe, "gemm", "pack_rows", args, (k, groups * mb, batch), (64, 1, 1))
