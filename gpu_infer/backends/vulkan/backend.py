"""The Vulkan backend: constants uploaded once per session; per plan instance one arena buffer,
one packed buffer of region tables, one descriptor pool sized exactly, a command pool and a
fence. Each segment of consecutive Vulkan steps (dispatches and the copies in and out) is
recorded once into one command buffer that a run only re-submits.

Executions declare their descriptor sets while they resize, and segments their conversions
while they are gathered; the workspace makes the tables' buffer, the pool and the sets, and
records the command buffers, once every request is in (``realize``)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...scheduler import BackendStatus, probe_all
from ..base import Tensor, align_up
from ..gpu_common import GpuBackend, GpuWorkspace
from . import ops as _ops  # noqa: F401  (registers the executions)
from .descriptors import DescriptorSets
from .dispatch import VKDispatch
from .memory import VKBuffer, VKTensorRef
from .ops.raster import conversion_dispatches
from .registry import VULKAN_REGISTRY
from .runtime import VKRuntime, get_runtime
from .segment import Command, Segment, gather


class VulkanBackend(GpuBackend):
    name = "vulkan"
    registry = VULKAN_REGISTRY
    rt: VKRuntime

    def __init__(self, precision: str = "fp32", status: BackendStatus | None = None):
        super().__init__(precision, get_runtime(status or probe_all()["vulkan"]))

    def refusal(self, node, inputs, outputs) -> str | None:
        """Also: kernels on 1- and 2-byte elements need the device's 8- and 16-bit storage features
        (views need no kernel, copies none of these features)."""
        why = super().refusal(node, inputs, outputs)
        if why is None and not self.registry.get(node.op_type).is_view:
            for t in [t for t in inputs + outputs if t is not None]:
                bits = self.storage_dtype(t.dtype).itemsize * 8
                if bits < 32 and bits not in self.rt.small_storage:
                    return f"'{t.name}' needs {bits}-bit storage buffers, which {self.rt.name} does not enable"
        return why

    def _upload_constant(self, data: np.ndarray, what: str) -> VKTensorRef:
        self.check_size(what, data.nbytes)
        buf = self.rt.create_buffer(data.nbytes, what)
        try:
            self.rt.upload(buf, data, what)
        except BaseException:
            self.rt.destroy_buffer(buf)
            raise
        return VKTensorRef(buf, 0, data.nbytes)

    def _free_constant(self, handle: VKTensorRef) -> None:
        self.rt.destroy_buffer(handle.buf)

    def create_workspace(self) -> "VKWorkspace":
        return VKWorkspace(self)


class VKWorkspace(GpuWorkspace):
    backend: VulkanBackend

    def __init__(self, backend: VulkanBackend):
        rt = self.rt = backend.rt
        self.arena_alignment = max(64, rt.limits["min_storage_buffer_offset_alignment"])
        self.command_pool = rt.create_command_pool()
        try:
            self.fence = rt.create_fence()
        except BaseException:
            rt.vk.vkDestroyCommandPool(rt.device, self.command_pool, None)
            raise
        self.descriptors = DescriptorSets(rt)
        self._arena: VKBuffer | None = None
        self._separate: list[VKBuffer] = []
        self._tables: list[tuple[VKTensorRef, np.ndarray]] = []
        self._table_bytes = 0
        self._table_buffer: VKBuffer | None = None
        self.segments: list[Segment] = []            # every gathered segment, in order
        self._timed: dict[tuple[int, ...], Segment] = {}   # profiled variants, by their steps
        self._unrecorded: list[Segment] = []
        self._conversions: dict[tuple[int, int], list[VKDispatch]] = {}
        self.active: Segment | None = None          # the segment being gathered
        super().__init__(backend)

    # -- memory -----------------------------------------------------------
    def _allocate_arena(self, nbytes: int) -> None:
        if self._arena is not None:
            self.rt.destroy_buffer(self._arena)
        self._arena = None
        if nbytes:
            self._arena = self.rt.create_buffer(nbytes, f"the arena of a plan ({nbytes / 2**20:.1f} MiB)")

    def _bind_dynamic(self, tensor: Tensor) -> VKTensorRef:
        self.refuse_size(tensor)
        return VKTensorRef(self._arena, tensor.offset, tensor.storage_nbytes)

    def _allocate_separate(self, tensor: Tensor) -> VKTensorRef:
        self.refuse_size(tensor)
        buf = self.rt.create_buffer(tensor.storage_nbytes, f"tensor '{tensor.name}'")
        self._separate.append(buf)
        return VKTensorRef(buf, 0, tensor.storage_nbytes)

    def _free_separate(self) -> None:
        for buf in self._separate:
            self.rt.destroy_buffer(buf)
        self._separate.clear()

    def table_ref(self, table: np.ndarray) -> VKTensorRef:
        """Where a region table will live in this workspace's table buffer (made by realize())."""
        offset = align_up(self._table_bytes, self.rt.limits["min_storage_buffer_offset_alignment"])
        ref = VKTensorRef(None, offset, table.nbytes)
        self._table_bytes = offset + table.nbytes
        self._tables.append((ref, table))
        return ref

    # -- gathering and recording ---------------------------------------------------
    def record(self, command: Command) -> None:
        """Called by executions' on_execute while a segment is gathered."""
        assert self.active is not None, "Vulkan executions record inside a segment"
        self.active.add(command)

    def after_submit(self, check: Callable[[], None]) -> None:
        """Called by executions' on_execute: run `check` on the host after each submission."""
        assert self.active is not None, "Vulkan executions record inside a segment"
        self.active.add_check(check)

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        assert self.active is not None, "Vulkan copies are recorded inside a segment"
        if src.backend is dst.backend:                                      # format conversion
            for d in self._conversion(src, dst):
                self.active.add(d)
        else:
            self.active.add_copy(src, dst)

    def _conversion(self, src: Tensor, dst: Tensor) -> list[VKDispatch]:
        key = (id(src), id(dst))
        if key not in self._conversions:
            self._conversions[key] = conversion_dispatches(self, src, dst)
        return self._conversions[key]

    def make_segment(self, steps: Sequence[Any]) -> Callable[[], None]:
        """Gather the steps now (pre-inference); they are recorded once with the others, and a run
        only writes inputs, submits, reads outputs."""
        seg = gather(self, steps)
        self.segments.append(seg)
        self._unrecorded.append(seg)

        def run() -> None:
            if self._unrecorded:
                self.realize()
            seg.run()
        return run

    def on_segments_made(self) -> None:
        self.realize()

    def realize(self) -> None:
        """Once every execution and segment has said what it needs: the table buffer, the
        descriptor pool and sets, then every gathered segment's command buffer."""
        if self._tables and self._table_buffer is None:
            self._table_buffer = self._upload_tables()
        if not self.descriptors.built:
            self.descriptors.build()
        while self._unrecorded:
            self._unrecorded[0].record()
            self._unrecorded.pop(0)

    def _upload_tables(self) -> VKBuffer:
        what = "the region tables of a plan"
        blob = np.zeros(self._table_bytes, np.uint8)
        for ref, table in self._tables:
            blob[ref.offset: ref.offset + ref.nbytes] = np.ascontiguousarray(table).reshape(-1).view(np.uint8)
        buf = self.rt.create_buffer(self._table_bytes, what)
        try:
            self.rt.upload(buf, blob, what)
        except BaseException:
            self.rt.destroy_buffer(buf)
            raise
        for ref, _ in self._tables:
            ref.buf = buf
        return buf

    def run_steps(self, steps: Sequence[Any]) -> None:
        self.realize()
        seg = gather(self, steps)
        try:
            seg.record()
            seg.run()
        finally:
            seg.free()

    def run_timed(self, steps: Sequence[Any]) -> list[float | None]:
        """Run `steps` once as one submission, like a segment, and return each step's device
        seconds from timestamps (None where the queue has none). The timestamped command
        buffer is recorded on first use and kept apart from the one normal runs submit."""
        if not self.rt.timestamp_bits:
            self.run_steps(steps)
            return [None] * len(steps)
        self.realize()
        key = tuple(id(step) for step in steps)
        seg = self._timed.get(key)
        if seg is None:
            seg = gather(self, steps, timed=True)
            seg.record()
            self._timed[key] = seg
        seg.run()
        return list(seg.step_seconds())

    def release(self) -> None:
        vk, dev = self.rt.vk, self.rt.device
        for seg in [*self.segments, *self._timed.values()]:
            seg.free()
        self.segments.clear()
        self._timed.clear()
        self._unrecorded.clear()
        self.descriptors.destroy()
        if self._table_buffer is not None:
            self.rt.destroy_buffer(self._table_buffer)
            self._table_buffer = None
        super().release()
        if self.command_pool is not None:
            vk.vkDestroyCommandPool(dev, self.command_pool, None)
            vk.vkDestroyFence(dev, self.fence, None)
            self.command_pool = self.fence = None
