"""The OpenCL backend: constants uploaded once per session; per plan instance one arena
buffer and one in-order queue; kernels with arguments bound at resize time, so a run only
enqueues."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...scheduler import BackendStatus, probe_all
from ..base import Tensor
from ..gpu_common import GpuBackend, GpuWorkspace
from . import elementwise as _elementwise  # noqa: F401  (registers the executions)
from .raster import CLRasterKernels, conversion_kernels  # (also registers the data-movement ops)
from .registry import OPENCL_REGISTRY
from .runtime import BUILD_OPTIONS, CLRuntime, get_runtime


class CLTensorRef:
    """Where a tensor lives: a cl.Buffer and the element offset of its first value."""
    __slots__ = ("buffer", "offset")

    def __init__(self, buffer: Any, offset: int):
        self.buffer, self.offset = buffer, offset


class OpenCLBackend(GpuBackend):
    name = "opencl"
    registry = OPENCL_REGISTRY
    rt: CLRuntime

    def __init__(self, precision: str = "fp32", status: BackendStatus | None = None):
        super().__init__(precision, get_runtime(status or probe_all()["opencl"]))

    def build_options(self, precision: str) -> list[str]:
        return list(BUILD_OPTIONS[precision])

    def buffer(self, nbytes: int, what: str) -> Any:
        self.check_size(what, nbytes)
        cl = self.rt.cl
        return cl.Buffer(self.rt.context, cl.mem_flags.READ_WRITE, max(nbytes, 64))

    def _upload_constant(self, data: np.ndarray, what: str) -> CLTensorRef:
        self.check_size(what, data.nbytes)
        cl = self.rt.cl
        if not data.nbytes:
            return CLTensorRef(self.buffer(0, what), 0)
        return CLTensorRef(cl.Buffer(self.rt.context, cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR,
                                     hostbuf=data), 0)

    def _free_constant(self, handle: CLTensorRef) -> None:
        handle.buffer.release()

    def create_workspace(self) -> "CLWorkspace":
        return CLWorkspace(self)


class CLWorkspace(GpuWorkspace):
    arena_alignment = 128      # bytes; >= any element size, keeps offsets element-aligned
    backend: OpenCLBackend

    def __init__(self, backend: OpenCLBackend):
        self.queue = backend.rt.new_queue()
        self._arena: Any = None
        self._separate: list[Any] = []
        self._conversions: dict[tuple[int, int], CLRasterKernels] = {}
        super().__init__(backend)

    # -- memory -----------------------------------------------------------
    def _allocate_arena(self, nbytes: int) -> None:
        if self._arena is not None:
            self._arena.release()
        self._arena = self.backend.buffer(nbytes, "the OpenCL arena") if nbytes else None

    def _bind_dynamic(self, tensor: Tensor) -> CLTensorRef:
        self.refuse_size(tensor)
        return CLTensorRef(self._arena, tensor.offset // tensor.store_dtype.itemsize)

    def _allocate_separate(self, tensor: Tensor) -> CLTensorRef:
        buf = self.backend.buffer(tensor.storage_nbytes, f"tensor '{tensor.name}'")
        self._separate.append(buf)
        return CLTensorRef(buf, 0)

    def _free_separate(self) -> None:
        for buf in self._separate:
            buf.release()
        self._separate.clear()

    # -- copies (the only way data enters or leaves the device) -------------
    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        cl = self.backend.rt.cl
        if src.backend is dst.backend:                                   # format conversion
            key = (id(src), id(dst))
            if key not in self._conversions:
                self._conversions[key] = conversion_kernels(self.backend, src, dst)
            self._conversions[key].enqueue(cl, self.queue)
        elif dst.backend is self.backend:                                 # host -> device
            data = self.host_to_storage(src, dst)
            if data.size:
                cl.enqueue_copy(self.queue, dst.handle.buffer, data,
                                dst_offset=dst.handle.offset * dst.store_dtype.itemsize)
        else:                                                             # device -> host (blocking)
            data = np.empty(src.storage_shape, src.store_dtype)
            if data.size:
                cl.enqueue_copy(self.queue, data, src.handle.buffer,
                                src_offset=src.handle.offset * src.store_dtype.itemsize)
            self.storage_to_host(data, src, dst)

    # -- execution --------------------------------------------------------
    def on_execute_end(self) -> None:
        self.queue.finish()

    def release(self) -> None:
        self.queue.finish()
        for kernels in self._conversions.values():
            kernels.release()
        self._conversions.clear()
        super().release()
