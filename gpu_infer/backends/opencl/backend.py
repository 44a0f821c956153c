"""The OpenCL backend: constants uploaded once per session; per plan instance one arena
buffer and one in-order queue; kernels with arguments bound at resize time, so a run only
enqueues. Device calls go through the runtime (errors as DeviceError, allocations checked)."""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import DeviceError
from ...scheduler import BackendStatus, probe_all
from ..base import Tensor
from ..gpu_common import GpuBackend, GpuWorkspace
from . import ops as _ops  # noqa: F401  (registers every OpenCL execution)
from .ops.raster import CLRasterKernels, conversion_kernels
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

    def _upload_constant(self, data: np.ndarray, what: str) -> CLTensorRef:
        return CLTensorRef(self.rt.buffer(data.nbytes, what, hostbuf=data if data.nbytes else None,
                                          read_only=True), 0)

    def _free_constant(self, handle: CLTensorRef) -> None:
        self.rt.free(handle.buffer)

    def create_workspace(self) -> "CLWorkspace":
        return CLWorkspace(self)


class CLWorkspace(GpuWorkspace):
    arena_alignment = 128      # bytes; >= any element size, keeps offsets element-aligned
    backend: OpenCLBackend

    def __init__(self, backend: OpenCLBackend):
        self.queue = backend.rt.new_queue()
        self._timing_queue: Any = None                    # PROFILING_ENABLE, made by the first run_timed
        self._arena: Any = None
        self._separate: list[Any] = []
        self._conversions: dict[tuple[int, int], CLRasterKernels] = {}
        self._after_finish: list[Callable[[], None]] = []
        super().__init__(backend)

    # -- memory -----------------------------------------------------------
    def _allocate_arena(self, nbytes: int) -> None:
        if self._arena is not None:
            self.backend.rt.free(self._arena)
        self._arena = self.backend.rt.buffer(nbytes, "the activation arena") if nbytes else None

    def _bind_dynamic(self, tensor: Tensor) -> CLTensorRef:
        self.refuse_size(tensor)
        return CLTensorRef(self._arena, tensor.offset // tensor.store_dtype.itemsize)

    def _allocate_separate(self, tensor: Tensor) -> CLTensorRef:
        buf = self.backend.rt.buffer(tensor.storage_nbytes, f"tensor '{tensor.name}'")
        self._separate.append(buf)
        return CLTensorRef(buf, 0)

    def _free_separate(self) -> None:
        for buf in self._separate:
            self.backend.rt.free(buf)
        self._separate.clear()

    # -- copies (the only way data enters or leaves the device) -------------
    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        rt = self.backend.rt
        if src.backend is dst.backend:                                   # format conversion
            key = (id(src), id(dst))
            if key not in self._conversions:
                self._conversions[key] = conversion_kernels(self.backend, src, dst)
            self._conversions[key].enqueue(rt, self.queue)
        elif dst.backend is self.backend:                                 # host -> device
            data = self.host_to_storage(src, dst)
            if data.size:
                rt.copy(self.queue, dst.handle.buffer, data, f"'{dst.name}' to the device",
                        dst_offset=dst.handle.offset * dst.store_dtype.itemsize)
        else:                                                             # device -> host (blocking)
            data = np.empty(src.storage_shape, src.store_dtype)
            if data.size:
                rt.copy(self.queue, data, src.handle.buffer, f"'{src.name}' to the host",
                        src_offset=src.handle.offset * src.store_dtype.itemsize)
            self.storage_to_host(data, src, dst)

    # -- execution --------------------------------------------------------
    def enqueue(self, kernel: Any, global_size: tuple[int, ...], local_size: tuple[int, ...] | None,
                what: str) -> None:
        """Enqueue a kernel of `what` on this workspace's queue (run_timed collects its event)."""
        self.backend.rt.enqueue(self.queue, kernel, global_size, local_size, what)

    def after_finish(self, check: Callable[[], None]) -> None:
        """Run `check` on the host once the enqueued work of this run of steps has finished
        (executions read back an error flag this way); registered anew by every run."""
        self._after_finish.append(check)

    def on_execute_end(self) -> None:
        checks, self._after_finish = self._after_finish, []
        self.backend.rt.finish(self.queue)
        for check in checks:
            check()

    def run_timed(self, steps: Sequence[Any]) -> list[float]:
        """Run `steps` once as a segment does, on a queue with profiling enabled (made on first use,
        so normal runs never pay for it); each step's device seconds, the sum of its commands'.

        Executions enqueue on ``self.queue`` when they execute, so the profiling queue stands in
        for the normal one during this call (the plan instance is this thread's alone)."""
        rt = self.backend.rt
        if self._timing_queue is None:
            self._timing_queue = rt.new_queue(profiling=True)
        rt.finish(self.queue)
        normal, self.queue = self.queue, self._timing_queue
        events: list[tuple[str, Any]] = []
        bounds = []
        rt.collect_events(self.queue, events)
        try:
            self.on_execute_begin()
            for step in steps:
                start = len(events)
                step.call()
                bounds.append((start, len(events)))
            self.on_execute_end()
        except BaseException:
            with contextlib.suppress(DeviceError):      # nothing of it may run beside the next run
                rt.finish(self.queue)
            raise
        finally:
            rt.collect_events(self.queue, None)
            self.queue = normal
        return [sum(rt.device_seconds(event) for _, event in events[a:b]) for a, b in bounds]

    def release(self) -> None:
        self._after_finish.clear()
        try:
            self.backend.rt.finish(self.queue)
        except DeviceError:
            pass                 # releasing never fails: the buffers are freed even on a failed device
        for kernels in self._conversions.values():
            kernels.release()
        self._conversions.clear()
        super().release()
