"""The OpenCL backend: one arena buffer per plan, weights uploaded once, kernels with
arguments bound at resize time, so a run only enqueues."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...scheduler import BackendStatus, probe_all
from ..base import Backend, Tensor
from ..common import check_alloc
from ..gpu_common import storage_dtype
from . import elementwise as _elementwise  # noqa: F401  (registers the executions)
from .registry import OPENCL_REGISTRY
from .runtime import BUILD_OPTIONS, CLRuntime, runtime_from_status


class CLTensorRef:
    """Where a tensor lives: a cl.Buffer and the element offset of its first value."""
    __slots__ = ("buffer", "offset")

    def __init__(self, buffer: Any, offset: int):
        self.buffer, self.offset = buffer, offset


class OpenCLBackend(Backend):
    name = "opencl"
    registry = OPENCL_REGISTRY
    arena_alignment = 128      # bytes; >= any element size, keeps offsets element-aligned

    def __init__(self, precision: str = "fp32", status: BackendStatus | None = None):
        self.rt: CLRuntime = runtime_from_status(status or probe_all()["opencl"])
        self.store = storage_dtype(precision)
        self.build_options = BUILD_OPTIONS[precision]
        self._arena: Any = None
        super().__init__(precision)

    # -- memory -----------------------------------------------------------
    @property
    def max_buffer_bytes(self) -> int:
        """CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer."""
        return self.rt.max_alloc

    def storage_nbytes(self, tensor: Tensor) -> int:
        itemsize = self.store.itemsize if np.dtype(tensor.dtype).kind == "f" else np.dtype(tensor.dtype).itemsize
        return tensor.size * itemsize

    def _buffer(self, nbytes: int, what: str) -> Any:
        check_alloc(what, nbytes, self.max_buffer_bytes, self.rt.name)
        return self.rt.cl.Buffer(self.rt.context, self.rt.cl.mem_flags.READ_WRITE, max(nbytes, 64))

    def _allocate_arena(self, nbytes: int) -> None:
        self._arena = self._buffer(nbytes, "the OpenCL arena") if nbytes else None

    def _bind_dynamic(self, tensor: Tensor) -> CLTensorRef:
        return CLTensorRef(self._arena, tensor.offset // self.store.itemsize)

    def _allocate_separate(self, tensor: Tensor) -> CLTensorRef:
        ref = CLTensorRef(self._buffer(tensor.nbytes_on_device, f"tensor '{tensor.name}'"), 0)
        if tensor.constant is not None:
            self._upload(np.asarray(tensor.constant), ref)
        return ref

    # -- copies (the only way data enters or leaves the device) -------------
    def _upload(self, host: np.ndarray, ref: CLTensorRef) -> None:
        data = np.ascontiguousarray(host, dtype=self.store)       # precision conversion of the copy
        if data.size:
            self.rt.cl.enqueue_copy(self.rt.queue, ref.buffer, data, dst_offset=ref.offset * self.store.itemsize)

    def _download(self, ref: CLTensorRef, shape: tuple[int, ...]) -> np.ndarray:
        data = np.empty(shape, self.store)
        if data.size:
            self.rt.cl.enqueue_copy(self.rt.queue, data, ref.buffer, src_offset=ref.offset * self.store.itemsize)
        return data

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        if src.backend is self and dst.backend is self:
            nbytes = src.size * self.store.itemsize
            if nbytes:
                self.rt.cl.enqueue_copy(self.rt.queue, dst.handle.buffer, src.handle.buffer, byte_count=nbytes,
                                        src_offset=src.handle.offset * self.store.itemsize,
                                        dst_offset=dst.handle.offset * self.store.itemsize)
        elif dst.backend is self:                                   # host -> device
            self._upload(np.asarray(src.handle).reshape(dst.shape), dst.handle)
        else:                                                       # device -> host (blocking)
            np.copyto(dst.handle, self._download(src.handle, tuple(src.shape)).reshape(dst.shape),
                      casting="unsafe")

    # -- execution --------------------------------------------------------
    def on_execute_end(self) -> None:
        self.rt.queue.finish()

    def describe(self) -> str:
        return f"opencl {self.rt.name} ({self.precision})"
