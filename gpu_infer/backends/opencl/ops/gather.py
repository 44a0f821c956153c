"""Gather on OpenCL: region copies for constant indices, else cl_kernels/gather.cl."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...gather_exec import ERROR_WORD, NO_ERROR, GatherExecution
from ..registry import register
from .raster import WORK_GROUP, CLRasterKernels


@register("Gather")
class CLGather(GatherExecution):
    kernels: CLRasterKernels | None = None
    error: Any = None

    def bind_regions(self, work, inputs, outputs) -> None:
        self.kernels = CLRasterKernels(self.backend, work, inputs, outputs, self.node.describe())

    def bind_kernel(self, inputs, outputs) -> None:
        rt, shape = self.backend.rt, self.shape
        data, indices, out = (t.handle for t in (inputs[0], inputs[1], outputs[0]))
        self.indices = indices
        self.index_dtype = inputs[1].store_dtype
        self.what = f"kernel 'gather' of {self.node.describe()}"
        self.error = rt.buffer(ERROR_WORD.nbytes, f"the error word of {self.node.describe()}", hostbuf=ERROR_WORD)
        self.error_host = np.empty(1, np.uint32)
        elem, width = self.variant.split(".")
        options = [f"-DELEM_BYTES={elem[1:]}"] + (["-DINDEX_INT64"] if width == "i64" else [])
        args = [data.buffer, np.int32(data.offset), indices.buffer, np.int32(indices.offset), out.buffer,
                np.int32(out.offset), self.error, np.int32(shape.n), np.int32(shape.inner), np.int32(shape.count),
                np.int32(shape.total)]
        self.kernel = rt.kernel(rt.program("gather", options), "gather", args, self.node.describe())
        self.size = (-(-shape.total // WORK_GROUP) * WORK_GROUP,)

    def on_execute(self, inputs, outputs) -> None:
        rt, queue = self.backend.rt, self.workspace.queue
        if self.kernels is not None:
            self.kernels.enqueue(rt, queue)
        elif self.shape.total:
            rt.fill(queue, self.error, np.uint32(NO_ERROR), ERROR_WORD.nbytes, self.what)
            rt.enqueue(queue, self.kernel, self.size, (WORK_GROUP,), self.what)
            rt.copy(queue, self.error_host, self.error, self.what, is_blocking=False)
            self.workspace.after_finish(self.check)

    def check(self) -> None:
        self.check_error_word(int(self.error_host[0]), self.index_at)

    def index_at(self, position: int) -> int:
        value = np.empty(1, self.index_dtype)
        self.backend.rt.copy(self.workspace.queue, value, self.indices.buffer, self.what,
                             src_offset=(self.indices.offset + position) * self.index_dtype.itemsize)
        return int(value[0])

    def on_release(self) -> None:
        if self.kernels is not None:
            self.kernels.release()
            self.kernels = None
        if self.error is not None:
            self.backend.rt.free(self.error)
            self.error = None
