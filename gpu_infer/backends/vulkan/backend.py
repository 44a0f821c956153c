"""The Vulkan backend: constants uploaded once per session; per plan instance one arena buffer,
a command pool, a fence and descriptor pools; each segment of consecutive Vulkan steps
(dispatches and the copies in and out) is recorded once, at pre-inference, into one command
buffer that a run only re-submits."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...scheduler import BackendStatus, probe_all
from ..base import Tensor
from ..gpu_common import GpuBackend, GpuWorkspace
from . import elementwise as _elementwise  # noqa: F401  (registers the executions)
from .raster import conversion_dispatches  # (also registers the data-movement ops)
from .registry import VULKAN_REGISTRY
from .runtime import VKBuffer, VKPipeline, VKRuntime, get_runtime

SETS_PER_POOL = 64
BINDINGS_PER_SET = 8


class VKTensorRef:
    """Where a tensor lives: a mapped buffer, a byte offset (descriptor-aligned) and a length."""
    __slots__ = ("buf", "offset", "nbytes")

    def __init__(self, buf: VKBuffer, offset: int, nbytes: int):
        self.buf, self.offset, self.nbytes = buf, offset, nbytes

    def view(self, dtype: np.dtype) -> np.ndarray:
        return self.buf.array[self.offset: self.offset + self.nbytes].view(dtype)


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

    def _upload_constant(self, data: np.ndarray) -> VKTensorRef:
        self.check_size("a constant", data.nbytes)
        buf = self.rt.create_buffer(data.nbytes)
        ref = VKTensorRef(buf, 0, data.nbytes)
        ref.view(np.uint8)[:] = data.reshape(-1).view(np.uint8)
        return ref

    def _free_constant(self, handle: VKTensorRef) -> None:
        self.rt.destroy_buffer(handle.buf)

    def create_workspace(self) -> "VKWorkspace":
        return VKWorkspace(self)


class _Recording:
    """One command buffer being recorded, with the host work around its submission:
    uploads written into staging buffers before, downloads read from them after."""

    def __init__(self, ws: "VKWorkspace"):
        self.ws = ws
        self.cmd = ws.allocate_command_buffer()
        self.before: list[Callable[[], None]] = []
        self.after: list[Callable[[], None]] = []
        self.staging: list[VKBuffer] = []
        self.commands = 0
        vk = ws.rt.vk
        vk.vkBeginCommandBuffer(self.cmd, vk.VkCommandBufferBeginInfo(
            sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO))

    def record(self, commands: Callable[[Any], None]) -> None:
        if self.commands:
            self.ws.barrier(self.cmd)
        commands(self.cmd)
        self.commands += 1

    def copy(self, src: Tensor, dst: Tensor) -> None:
        vk, rt = self.ws.rt.vk, self.ws.rt
        backend = self.ws.backend
        if dst.backend is backend and src.backend is not backend:          # host -> device
            stage = rt.create_buffer(dst.storage_nbytes)
            self.staging.append(stage)
            self.before.append(lambda: _write(stage, self.ws.host_to_storage(src, dst)))
            self.record(lambda cmd: _copy_cmd(vk, cmd, stage.buffer, 0, dst.handle.buf.buffer, dst.handle.offset,
                                              dst.storage_nbytes))
        elif src.backend is backend and dst.backend is not backend:        # device -> host
            stage = rt.create_buffer(src.storage_nbytes)
            self.staging.append(stage)
            self.record(lambda cmd: _copy_cmd(vk, cmd, src.handle.buf.buffer, src.handle.offset, stage.buffer, 0,
                                              src.storage_nbytes))
            self.after.append(lambda: self.ws.storage_to_host(
                stage.array[:src.storage_nbytes].view(src.store_dtype), src, dst))
        else:                                                               # format conversion
            self.record(conversion_dispatches(self.ws, src, dst).record)

    def finish(self) -> Callable[[], None]:
        vk = self.ws.rt.vk
        self.ws.barrier(self.cmd, host=True)
        vk.vkEndCommandBuffer(self.cmd)
        before, after, cmd, ws = self.before, self.after, self.cmd, self.ws

        def run() -> None:
            for write in before:
                write()
            ws.rt.submit_and_wait(cmd, ws.fence)
            for read in after:
                read()
        return run

    def free(self) -> None:
        vk = self.ws.rt.vk
        vk.vkFreeCommandBuffers(self.ws.rt.device, self.ws.command_pool, 1, [self.cmd])
        for buf in self.staging:
            self.ws.rt.destroy_buffer(buf)


def _write(stage: VKBuffer, data: np.ndarray) -> None:
    stage.array[:data.nbytes] = data.reshape(-1).view(np.uint8)


def _copy_cmd(vk: Any, cmd: Any, src: Any, src_offset: int, dst: Any, dst_offset: int, nbytes: int) -> None:
    if nbytes:
        region = vk.VkBufferCopy(srcOffset=src_offset, dstOffset=dst_offset, size=nbytes)
        vk.vkCmdCopyBuffer(cmd, src, dst, 1, [region])


class VKWorkspace(GpuWorkspace):
    backend: VulkanBackend

    def __init__(self, backend: VulkanBackend):
        self.rt = backend.rt
        vk, dev = self.rt.vk, self.rt.device
        self.arena_alignment = max(64, self.rt.limits["min_storage_buffer_offset_alignment"])
        self.command_pool = vk.vkCreateCommandPool(dev, vk.VkCommandPoolCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, queueFamilyIndex=self.rt.family), None)
        self.fence = vk.vkCreateFence(dev, vk.VkFenceCreateInfo(sType=vk.VK_STRUCTURE_TYPE_FENCE_CREATE_INFO), None)
        self._arena: VKBuffer | None = None
        self._separate: list[VKBuffer] = []
        self._pools: list[Any] = []
        self._pool_sets = SETS_PER_POOL
        self._recordings: list[_Recording] = []
        self._tables: list[VKBuffer] = []
        self._active: _Recording | None = None
        super().__init__(backend)

    # -- memory -----------------------------------------------------------
    def _allocate_arena(self, nbytes: int) -> None:
        if self._arena is not None:
            self.rt.destroy_buffer(self._arena)
        self._arena = None
        if nbytes:
            self._arena = self.rt.create_buffer(nbytes)

    def _bind_dynamic(self, tensor: Tensor) -> VKTensorRef:
        self.refuse_size(tensor)
        return VKTensorRef(self._arena, tensor.offset, tensor.storage_nbytes)

    def _allocate_separate(self, tensor: Tensor) -> VKTensorRef:
        self.refuse_size(tensor)
        buf = self.rt.create_buffer(tensor.storage_nbytes)
        self._separate.append(buf)
        return VKTensorRef(buf, 0, tensor.storage_nbytes)

    def _free_separate(self) -> None:
        for buf in self._separate:
            self.rt.destroy_buffer(buf)
        self._separate.clear()

    def constant_buffer(self, data: np.ndarray) -> VKTensorRef:
        """A buffer of this workspace holding `data` (region tables ...), freed with it."""
        buf = self.rt.create_buffer(data.nbytes)
        self._tables.append(buf)
        ref = VKTensorRef(buf, 0, data.nbytes)
        ref.view(np.uint8)[:] = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        return ref

    def descriptor_set(self, pipe: VKPipeline, refs: Sequence[VKTensorRef]) -> Any:
        """A descriptor set for `pipe` pointing binding i at refs[i]'s byte range."""
        vk, dev = self.rt.vk, self.rt.device
        if self._pool_sets >= SETS_PER_POOL:
            size = vk.VkDescriptorPoolSize(type=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                           descriptorCount=SETS_PER_POOL * BINDINGS_PER_SET)
            self._pools.append(vk.vkCreateDescriptorPool(dev, vk.VkDescriptorPoolCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, maxSets=SETS_PER_POOL, poolSizeCount=1,
                pPoolSizes=[size]), None))
            self._pool_sets = 0
        self._pool_sets += 1
        dset = vk.vkAllocateDescriptorSets(dev, vk.VkDescriptorSetAllocateInfo(
            sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool=self._pools[-1],
            descriptorSetCount=1, pSetLayouts=[pipe.set_layout]))[0]
        infos = [vk.VkDescriptorBufferInfo(buffer=r.buf.buffer, offset=r.offset, range=max(r.nbytes, 4))
                 for r in refs]
        writes = [vk.VkWriteDescriptorSet(sType=vk.VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, dstSet=dset,
                                          dstBinding=i, descriptorCount=1,
                                          descriptorType=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo=[info])
                  for i, info in enumerate(infos)]
        vk.vkUpdateDescriptorSets(dev, len(writes), writes, 0, None)
        return dset

    # -- recording -----------------------------------------------------------
    def allocate_command_buffer(self) -> Any:
        vk = self.rt.vk
        return vk.vkAllocateCommandBuffers(self.rt.device, vk.VkCommandBufferAllocateInfo(
            sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, commandPool=self.command_pool,
            level=vk.VK_COMMAND_BUFFER_LEVEL_PRIMARY, commandBufferCount=1))[0]

    def record(self, commands: Callable[[Any], None]) -> None:
        """Called by executions' on_execute while a segment is recorded."""
        assert self._active is not None, "Vulkan executions record inside a segment"
        self._active.record(commands)

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        assert self._active is not None, "Vulkan copies are recorded inside a segment"
        self._active.copy(src, dst)

    def _record(self, steps: Sequence[Any]) -> _Recording:
        rec = self._active = _Recording(self)
        try:
            for step in steps:
                step.call()
        finally:
            self._active = None
        return rec

    def make_segment(self, steps: Sequence[Any]) -> Callable[[], None]:
        """Record the steps now (pre-inference); a run only writes inputs, submits, reads outputs."""
        rec = self._record(steps)
        self._recordings.append(rec)
        return rec.finish()

    def run_steps(self, steps: Sequence[Any]) -> None:
        rec = self._record(steps)
        try:
            rec.finish()()
        finally:
            rec.free()

    def barrier(self, cmd: Any, host: bool = False) -> None:
        vk = self.rt.vk
        stages = vk.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | vk.VK_PIPELINE_STAGE_TRANSFER_BIT
        writes = vk.VK_ACCESS_SHADER_WRITE_BIT | vk.VK_ACCESS_TRANSFER_WRITE_BIT
        if host:
            dst_stage, dst_access = vk.VK_PIPELINE_STAGE_HOST_BIT, vk.VK_ACCESS_HOST_READ_BIT
        else:
            dst_stage = stages
            dst_access = writes | vk.VK_ACCESS_SHADER_READ_BIT | vk.VK_ACCESS_TRANSFER_READ_BIT
        barrier = vk.VkMemoryBarrier(sType=vk.VK_STRUCTURE_TYPE_MEMORY_BARRIER, srcAccessMask=writes,
                                     dstAccessMask=dst_access)
        vk.vkCmdPipelineBarrier(cmd, stages, dst_stage, 0, 1, [barrier], 0, None, 0, None)

    def release(self) -> None:
        vk, dev = self.rt.vk, self.rt.device
        for rec in self._recordings:
            rec.free()
        self._recordings.clear()
        for pool in self._pools:
            vk.vkDestroyDescriptorPool(dev, pool, None)
        self._pools.clear()
        for buf in self._tables:
            self.rt.destroy_buffer(buf)
        self._tables.clear()
        super().release()
        if self.command_pool is not None:
            vk.vkDestroyCommandPool(dev, self.command_pool, None)
            vk.vkDestroyFence(dev, self.fence, None)
            self.command_pool = self.fence = None
