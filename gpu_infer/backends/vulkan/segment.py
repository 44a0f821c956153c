"""One segment: consecutive Vulkan steps of a plan instance, recorded into one command buffer
that every run re-submits, with the host work around the submission.

Copies between the host and the device take the shortest safe path. Where the device buffer is
mapped (device-local memory the host can see), an upload whose destination no earlier command
of the segment reads or writes is written by the host straight into it before the submit, and
a read-back of bytes no later command overwrites is read straight from it after the fence.
Every other copy goes through the segment's staging buffer and a recorded vkCmdCopyBuffer.
Barriers come from the commands' byte ranges (hazards.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

import numpy as np

from ..base import Layout, Tensor, align_up
from ..gpu_common import GpuWorkspace
from .hazards import BarrierTracker, Span
from .memory import VKBuffer
from .runtime import Submission, copy_buffer
from .timestamps import TimestampQueries

if TYPE_CHECKING:
    from .backend import VKWorkspace

STAGING_ALIGNMENT = 64


class Command(Protocol):
    """What an execution hands the segment: its byte ranges and how to record it."""

    def accesses(self) -> tuple[list[Span], list[Span]]: ...

    def record(self, cmd: Any) -> None: ...


class _Copy:
    """A host <-> device copy; `device` is the device-side tensor."""

    def __init__(self, src: Tensor, dst: Tensor, upload: bool):
        self.src, self.dst, self.upload = src, dst, upload
        self.device = dst if upload else src
        self.staging_offset: int | None = None       # None: direct

    def accesses(self) -> tuple[list[Span], list[Span]]:
        span = [self.device.handle.span()]
        return ([], span) if self.upload else (span, [])


class Segment:
    """timed=True: the profiled variant, with a timestamp around every command (timestamps.py)."""

    def __init__(self, ws: "VKWorkspace", timed: bool = False):
        self.ws = ws
        self.timed = timed
        self.queries: TimestampQueries | None = None
        self.item_query: list[int | None] = []          # timed: the query written after each item
        self.step_items: list[range] = []               # timed: the items each gathered step added
        self.rt = ws.rt
        self.items: list[Command | _Copy] = []
        self.cmd: Any = None
        self.submission: Submission | None = None
        self.staging: VKBuffer | None = None
        self.before: list[Callable[[], None]] = []      # host writes, before the submit
        self.after: list[Callable[[], None]] = []       # host reads, after the fence
        self.checks: list[Callable[[], None]] = []      # executions' host checks, after the reads
        self.commands = 0                               # recorded: dispatches and copies
        self.barriers = 0                               # barriers between commands (not the final one)

    # -- gathering (the steps' calls, at pre-inference) --------------------------
    def add(self, command: Command) -> None:
        self.items.append(command)

    def add_check(self, check: Callable[[], None]) -> None:
        """`check` runs on the host after every submission (an execution's error word ...)."""
        self.checks.append(check)

    def add_copy(self, src: Tensor, dst: Tensor) -> None:
        if src.storage_nbytes:
            self.items.append(_Copy(src, dst, upload=dst.backend is self.ws.backend))

    # -- recording ----------------------------------------------------------------
    def _place_copies(self) -> int:
        """Choose direct or staged for every copy; the staging bytes needed."""
        spans = [item.accesses() for item in self.items]
        staged = 0
        for k, item in enumerate(self.items):
            if not isinstance(item, _Copy):
                continue
            (mine,) = spans[k][1] if item.upload else spans[k][0]
            if item.upload:       # hoisted before the submit: nothing earlier may touch the bytes
                others = [s for reads, writes in spans[:k] for s in reads + writes]
            else:                 # read after the fence: nothing later may overwrite them
                others = [s for _, writes in spans[k + 1:] for s in writes]
            direct = item.device.handle.mapped and not any(mine.overlaps(s) for s in others)
            item.staging_offset = None if direct else staged
            if not direct:
                staged = align_up(staged + item.device.storage_nbytes, STAGING_ALIGNMENT)
        return staged

    def record(self) -> None:
        """Decide the copies' paths, then record every command with the barriers its data needs
        (on failure nothing is kept, so a later call tries again)."""
        try:
            self._record()
        except BaseException:
            self.free()
            self.before, self.after, self.commands, self.barriers = [], [], 0, 0
            raise

    def _record(self) -> None:
        vk, rt = self.rt.vk, self.rt
        staged = self._place_copies()
        copies = [item for item in self.items if isinstance(item, _Copy)]
        if staged:
            readback = any(not c.upload and c.staging_offset is not None for c in copies)
            self.staging = rt.create_buffer(staged, "the staging buffer of a segment", "read" if readback else "write")
        self.cmd = rt.allocate_command_buffer(self.ws.command_pool)
        self.submission = Submission(vk, self.cmd, self.ws.fence)
        with rt.driver_call("vkBeginCommandBuffer"):
            vk.vkBeginCommandBuffer(self.cmd, vk.VkCommandBufferBeginInfo(
                sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO))
        if self.timed:
            self.queries = TimestampQueries(rt, len(self.items) + 1)
            self.queries.start(self.cmd)
        self.item_query = [None] * len(self.items)
        tracker = BarrierTracker()
        for k, item in enumerate(self.items):
            command = self._copy_command(item) if isinstance(item, _Copy) else item
            if command is None:
                continue
            reads, writes = command.accesses()
            if tracker.access(reads, writes):
                self._barrier(vk.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | vk.VK_PIPELINE_STAGE_TRANSFER_BIT,
                              vk.VK_ACCESS_SHADER_READ_BIT | vk.VK_ACCESS_SHADER_WRITE_BIT
                              | vk.VK_ACCESS_TRANSFER_READ_BIT | vk.VK_ACCESS_TRANSFER_WRITE_BIT)
                self.barriers += 1
            command.record(self.cmd)
            self.commands += 1
            if self.queries is not None:
                self.item_query[k] = self.queries.after_command(self.cmd)
        if self.commands:         # what it wrote, visible to host reads after this or a later segment
            self._barrier(vk.VK_PIPELINE_STAGE_HOST_BIT, vk.VK_ACCESS_HOST_READ_BIT)
        with rt.driver_call("vkEndCommandBuffer"):
            vk.vkEndCommandBuffer(self.cmd)
        for c in copies:
            self._host_side(c)

    def _copy_command(self, c: _Copy) -> "_StagedCopy | None":
        return None if c.staging_offset is None else _StagedCopy(self, c)

    def _barrier(self, dst_stage: int, dst_access: int) -> None:
        """A global memory barrier: earlier compute and transfer writes before the later accesses."""
        vk = self.rt.vk
        stages = vk.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | vk.VK_PIPELINE_STAGE_TRANSFER_BIT
        barrier = vk.VkMemoryBarrier(sType=vk.VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                     srcAccessMask=vk.VK_ACCESS_SHADER_WRITE_BIT | vk.VK_ACCESS_TRANSFER_WRITE_BIT,
                                     dstAccessMask=dst_access)
        vk.vkCmdPipelineBarrier(self.cmd, stages, dst_stage, 0, 1, [barrier], 0, None, 0, None)

    def _host_side(self, c: _Copy) -> None:
        """The host's part of a copy: a write before the submit or a read after the fence, into
        or out of the mapped device buffer (direct) or the staging buffer."""
        n = c.device.storage_nbytes
        raw = (c.device.handle.host_view() if c.staging_offset is None
               else self.staging.array[c.staging_offset: c.staging_offset + n])
        data = raw.view(c.device.store_dtype)
        if c.upload:
            self.before.append(_writer(data, c.src, c.dst))
        else:
            src, dst = c.src, c.dst
            self.after.append(lambda: GpuWorkspace.storage_to_host(data, src, dst))

    # -- running --------------------------------------------------------------------
    def run(self) -> None:
        self.rt.check_alive()
        for write in self.before:
            write()
        if self.commands:
            self.rt.submit_and_wait(self.submission)
        for read in self.after:
            read()
        for check in self.checks:
            check()

    def step_seconds(self) -> list[float]:
        """After run() of a timed segment: each gathered step's device seconds (the time from the
        completion of the command before its first one to the completion of its last one; a copy
        the host does straight into mapped memory has none)."""
        if self.queries is None or not self.commands:
            return [0.0] * len(self.step_items)
        since = self.queries.seconds_since_previous()
        per_item = [since[q] if q is not None else 0.0 for q in self.item_query]
        return [float(sum(per_item[k] for k in items)) for items in self.step_items]

    def free(self) -> None:
        if self.queries is not None:
            self.queries.destroy()
            self.queries = None
        if self.cmd is not None:
            self.rt.vk.vkFreeCommandBuffers(self.rt.device, self.ws.command_pool, 1, [self.cmd])
            self.cmd = None
        if self.staging is not None:
            self.rt.destroy_buffer(self.staging)
            self.staging = None


class _StagedCopy:
    """vkCmdCopyBuffer between a device tensor and its bytes in the segment's staging buffer."""

    def __init__(self, seg: Segment, c: _Copy):
        self.seg, self.c = seg, c
        self.n = c.device.storage_nbytes
        self.stage = Span(id(seg.staging), c.staging_offset, c.staging_offset + self.n)

    def accesses(self) -> tuple[list[Span], list[Span]]:
        device = [self.c.device.handle.span()]
        return ([self.stage], device) if self.c.upload else (device, [self.stage])

    def record(self, cmd: Any) -> None:
        vk, ref, stage = self.seg.rt.vk, self.c.device.handle, self.seg.staging
        if self.c.upload:
            copy_buffer(vk, cmd, stage.buffer, self.c.staging_offset, ref.buf.buffer, ref.offset, self.n)
        else:
            copy_buffer(vk, cmd, ref.buf.buffer, ref.offset, stage.buffer, self.c.staging_offset, self.n)


def _writer(data: np.ndarray, src: Tensor, dst: Tensor) -> Callable[[], None]:
    """Write the host tensor `src` into `data` (dst's storage elements): element type converted,
    layout packed. The plain layout is one np.copyto with no temporary."""
    if dst.layout is Layout.PLAIN:
        shaped = data.reshape(dst.shape)
        return lambda: np.copyto(shaped, src.handle, casting="unsafe")
    flat = data.reshape(-1)
    return lambda: np.copyto(flat, GpuWorkspace.host_to_storage(src, dst).reshape(-1))


def gather(ws: "VKWorkspace", steps: Sequence[Any], timed: bool = False) -> Segment:
    """A segment of these steps: their calls add commands and copies to it (through the
    workspace's record() and on_copy_buffer()); timed: the profiled variant."""
    seg = Segment(ws, timed)
    ws.active = seg
    try:
        for step in steps:
            start = len(seg.items)
            step.call()
            seg.step_items.append(range(start, len(seg.items)))
    finally:
        ws.active = None
    return seg
