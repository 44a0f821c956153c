"""Data movement and format conversions on Vulkan: region copies (spirv_shaders/raster.comp)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...base import Tensor
from ....geometry.table import chunked
from ...raster_exec import FILL, RASTER_OPS, RasterExecution, RasterWork, conversion_work
from ..dispatch import VKDispatch
from ..memory import VKTensorRef
from ..registry import register

# columns of a region table row (gpu_infer/geometry/table.py): offsets, sizes, strides; raster.comp
# keeps each row's first chunk in the last
SRC_OFFSET, DST_OFFSET, SIZES, SRC_STRIDES, DST_STRIDES = 0, 1, slice(2, 6), slice(6, 10), slice(10, 14)
# the element code of a plan's source as raster.comp's texel variants fetch it (texel.py)
SOURCE_TEXELS = {"f32-f16": "f32", "f16-f32": "f16"}


def _touched(table: np.ndarray, offset: int, strides: slice) -> tuple[int, int]:
    """Elements [lo, hi) that one side of a table's regions reaches."""
    t = table.astype(np.int64)
    reach = (t[:, SIZES] - 1) * t[:, strides]
    return (int((t[:, offset] + np.minimum(reach, 0).sum(axis=1)).min()),
            int((t[:, offset] + np.maximum(reach, 0).sum(axis=1)).max()) + 1)


def _narrowed(tensor: Tensor, table: np.ndarray, offset: int, strides: slice, align: int) -> tuple[VKTensorRef, int]:
    """The tensor bound over just the bytes the regions reach (from an aligned start), and the
    element base (<= 0) that puts the table's element offsets back at the tensor's start."""
    ref, elem = tensor.handle, tensor.store_dtype.itemsize
    lo, hi = _touched(table, offset, strides)
    start = ref.offset + lo * elem
    start -= start % max(align, elem)
    return VKTensorRef(ref.buf, start, ref.offset + hi * elem - start), (ref.offset - start) // elem


def raster_dispatches(workspace: Any, work: RasterWork, sources: list[Tensor | None],
                      targets: list[Tensor]) -> list[VKDispatch]:
    """The bound dispatches of one region plan, each with its table in the workspace's table
    buffer. Each binds its tensors over only the bytes its regions reach, so dispatches
    filling disjoint parts of one output (Concat on the outer axis, Pad's border) record
    without a barrier between them."""
    align = workspace.rt.limits["min_storage_buffer_offset_alignment"]
    out = []
    for d in work.dispatches:
        rows, chunks = chunked(d.table)
        one = len(rows) == 1                # its row in the push constants, no table (binding 2 unused)
        dst, dst_base = _narrowed(targets[d.dst], d.table, DST_OFFSET, DST_STRIDES, align)
        table = dst if one else workspace.table_ref(rows)
        refs = [dst, dst, table]
        if d.src == FILL:                   # binding 0 is not used by the fill variant
            src_base, stem, modes = 0, "raster_fill", "-w" + ("-" if one else "r")
        else:
            refs[0], src_base = _narrowed(sources[d.src], d.table, SRC_OFFSET, SRC_STRIDES, align)
            refs.append(refs[0])            # binding 3: four elements per texel (none of 8 bytes)
            stem, modes = "raster", "tw" + ("-" if one else "r") + ("t" if work.variant == "b8" else "v")
        bits = work.fill_bits
        push = np.concatenate([np.array([src_base, dst_base, len(rows), chunks], np.int32).view(np.uint32),
                               np.array([bits & 0xFFFFFFFF, bits >> 32], np.uint32),
                               (rows[0] if one else np.zeros_like(rows[0])).view(np.uint32)])
        out.append(VKDispatch(workspace, stem, work.variant, refs, modes, push, chunks,
                              texel=SOURCE_TEXELS.get(work.variant, work.variant)))
    return out


@register(*(op for op in RASTER_OPS if op != "Gather"))       # Gather: gather.py (indices at run time too)
class VKRaster(RasterExecution):
    def on_resize(self, inputs, outputs) -> None:
        self.dispatches = raster_dispatches(self.workspace, self.raster(inputs, outputs), inputs, outputs)

    def on_execute(self, inputs, outputs) -> None:
        for d in self.dispatches:
            self.workspace.record(d)


def conversion_dispatches(workspace: Any, src: Tensor, dst: Tensor) -> list[VKDispatch]:
    """Dispatches converting src's storage into dst's on the device (element type, layout)."""
    return raster_dispatches(workspace, conversion_work(src, dst), [src], [dst])
