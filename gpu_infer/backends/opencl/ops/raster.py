"""Data movement and format conversions on OpenCL: region copies (cl_kernels/raster.cl)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...base import Tensor
from ....geometry.table import chunked
from ...raster_exec import FILL, RASTER_OPS, RasterExecution, RasterWork, check_bases, conversion_work
from ..registry import register
from ..runtime import CLRuntime

WORK_GROUP = 64
_OPTIONS = {"f32-f16": "-DCONVERT_F32_TO_F16", "f16-f32": "-DCONVERT_F16_TO_F32"}


class CLRasterKernels:
    """The bound kernels of one region plan between device tensors; enqueue() runs them all."""

    def __init__(self, backend: Any, work: RasterWork, sources: list[Tensor | None], targets: list[Tensor],
                 what: str):
        rt: CLRuntime = backend.rt
        option = _OPTIONS.get(work.variant, f"-DELEM_BYTES={work.elem_bytes}")
        program = rt.program("raster", [option])
        self.rt, self.what = rt, what
        self.calls: list[tuple[Any, tuple[int]]] = []
        self.tables: list[Any] = []
        for d in work.dispatches:
            dst = targets[d.dst].handle
            rows, total = chunked(d.table)
            table = rt.buffer(rows.nbytes, f"a region table of {what}", hostbuf=rows, read_only=True)
            self.tables.append(table)
            counts = (np.int32(len(rows)), np.int32(total))
            if d.src == FILL:
                value = np.array(work.fill_bits, f"u{work.elem_bytes}")
                check_bases(work, [(dst.offset, targets[d.dst].size)])
                kernel = rt.kernel(program, "raster_fill", [dst.buffer, np.int32(dst.offset), table, *counts, value],
                                   what)
            else:
                src = sources[d.src].handle
                check_bases(work, [(src.offset, sources[d.src].size), (dst.offset, targets[d.dst].size)])
                kernel = rt.kernel(program, "raster", [src.buffer, np.int32(src.offset), dst.buffer,
                                                       np.int32(dst.offset), table, *counts], what)
            self.calls.append((kernel, (-(-total // WORK_GROUP) * WORK_GROUP,)))

    def enqueue(self, rt: CLRuntime, queue: Any) -> None:
        for kernel, size in self.calls:
            rt.enqueue(queue, kernel, size, (WORK_GROUP,), self.what)

    def release(self) -> None:
        for table in self.tables:
            self.rt.free(table)
        self.tables.clear()


@register(*(op for op in RASTER_OPS if op != "Gather"))       # Gather: gather.py (indices at run time too)
class CLRaster(RasterExecution):
    kernels: CLRasterKernels | None = None

    def on_resize(self, inputs, outputs) -> None:
        self.kernels = CLRasterKernels(self.backend, self.raster(inputs, outputs), inputs, outputs,
                                       self.node.describe())

    def on_execute(self, inputs, outputs) -> None:
        self.kernels.enqueue(self.backend.rt, self.workspace.queue)

    def on_release(self) -> None:
        if self.kernels is not None:
            self.kernels.release()
            self.kernels = None


def conversion_kernels(backend: Any, src: Tensor, dst: Tensor) -> CLRasterKernels:
    """Kernels converting src's storage into dst's on the device (element type, layout)."""
    return CLRasterKernels(backend, conversion_work(src, dst), [src], [dst], f"the conversion of '{src.name}'")
