"""Data movement and format conversions on OpenCL: region copies (cl_kernels/raster.cl)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Tensor
from ..raster_exec import FILL, RASTER_OPS, RasterExecution, RasterWork, check_bases, conversion_work
from .registry import register

WORK_GROUP = 64
_OPTIONS = {"f32-f16": "-DCONVERT_F32_TO_F16", "f16-f32": "-DCONVERT_F16_TO_F32"}


class CLRasterKernels:
    """The bound kernels of one region plan between device tensors; enqueue() runs them all."""

    def __init__(self, backend: Any, work: RasterWork, sources: list[Tensor | None], targets: list[Tensor]):
        rt, cl = backend.rt, backend.rt.cl
        option = _OPTIONS.get(work.variant, f"-DELEM_BYTES={work.elem_bytes}")
        program = rt.program("raster", [option])
        self.calls: list[tuple[Any, tuple[int]]] = []
        self.tables: list[Any] = []
        for d in work.dispatches:
            dst = targets[d.dst].handle
            table = cl.Buffer(rt.context, cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR, hostbuf=d.table)
            self.tables.append(table)
            counts = (np.int32(len(d.table)), np.int32(d.total))
            if d.src == FILL:
                kernel = cl.Kernel(program, "raster_fill")
                value = np.array(work.fill_bits, f"u{work.elem_bytes}")
                kernel.set_args(dst.buffer, np.int32(dst.offset), table, *counts, value)
                check_bases(work, [(dst.offset, targets[d.dst].size)])
            else:
                src = sources[d.src].handle
                kernel = cl.Kernel(program, "raster")
                kernel.set_args(src.buffer, np.int32(src.offset), dst.buffer, np.int32(dst.offset), table, *counts)
                check_bases(work, [(src.offset, sources[d.src].size), (dst.offset, targets[d.dst].size)])
            self.calls.append((kernel, (-(-d.total // WORK_GROUP) * WORK_GROUP,)))

    def enqueue(self, cl: Any, queue: Any) -> None:
        for kernel, size in self.calls:
            cl.enqueue_nd_range_kernel(queue, kernel, size, (WORK_GROUP,))

    def release(self) -> None:
        for table in self.tables:
            table.release()
        self.tables.clear()


@register(*RASTER_OPS)
class CLRaster(RasterExecution):
    def on_resize(self, inputs, outputs) -> None:
        self.kernels = CLRasterKernels(self.backend, self.raster(inputs, outputs), inputs, outputs)

    def on_execute(self, inputs, outputs) -> None:
        self.kernels.enqueue(self.backend.rt.cl, self.workspace.queue)

    def on_release(self) -> None:
        kernels = getattr(self, "kernels", None)
        if kernels is not None:
            kernels.release()


def conversion_kernels(backend: Any, src: Tensor, dst: Tensor) -> CLRasterKernels:
    """Kernels converting src's storage into dst's on the device (element type, layout)."""
    return CLRasterKernels(backend, conversion_work(src, dst), [src], [dst])
