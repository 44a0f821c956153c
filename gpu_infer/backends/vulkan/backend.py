"""The Vulkan backend: one arena buffer per plan, weights uploaded once, descriptor sets
written at resize time, and one command buffer per run of consecutive steps, recorded on
the first run and only re-submitted afterwards."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...scheduler import BackendStatus, probe_all
from ..base import Backend, Execution, Tensor
from ..common import check_alloc
from ..gpu_common import storage_dtype
from . import elementwise as _elementwise  # noqa: F401  (registers the executions)
from .context import VKBuffer, VKPipeline, VKRuntime, runtime_from_status
from .registry import VULKAN_REGISTRY


class VKTensorRef:
    """Where a tensor lives: a mapped buffer, a byte offset (descriptor-aligned) and a length."""
    __slots__ = ("buf", "offset", "nbytes")

    def __init__(self, buf: VKBuffer, offset: int, nbytes: int):
        self.buf, self.offset, self.nbytes = buf, offset, nbytes

    def view(self, dtype: np.dtype) -> np.ndarray:
        return self.buf.array[self.offset: self.offset + self.nbytes].view(dtype)


class VulkanBackend(Backend):
    name = "vulkan"
    registry = VULKAN_REGISTRY

    def __init__(self, precision: str = "fp32", status: BackendStatus | None = None):
        self.rt: VKRuntime = runtime_from_status(status or probe_all()["vulkan"])
        self.store = storage_dtype(precision)
        self.arena_alignment = max(64, self.rt.limits["min_storage_buffer_offset_alignment"])
        self._arena: VKBuffer | None = None
        self._separate: list[VKBuffer] = []
        self._pools: list[Any] = []
        self._pending: list[tuple[Execution, Callable[[Any], None]]] = []
        self._recorded: dict[tuple[int, ...], Any] = {}
        super().__init__(precision)

    # -- memory -----------------------------------------------------------
    @property
    def max_buffer_bytes(self) -> int:
        """maxStorageBufferRange: the most one descriptor (one tensor) may span."""
        return self.rt.limits["max_storage_buffer_range"]

    def storage_nbytes(self, tensor: Tensor) -> int:
        itemsize = self.store.itemsize if np.dtype(tensor.dtype).kind == "f" else np.dtype(tensor.dtype).itemsize
        return tensor.size * itemsize

    def _allocate_arena(self, nbytes: int) -> None:
        if self._arena is not None:
            self.rt.destroy_buffer(self._arena)
        self._arena = self.rt.create_buffer(nbytes) if nbytes else None

    def _bind_dynamic(self, tensor: Tensor) -> VKTensorRef:
        check_alloc(f"tensor '{tensor.name}'", tensor.nbytes_on_device, self.max_buffer_bytes, self.rt.name)
        return VKTensorRef(self._arena, tensor.offset, tensor.nbytes_on_device)

    def _allocate_separate(self, tensor: Tensor) -> VKTensorRef:
        check_alloc(f"tensor '{tensor.name}'", tensor.nbytes_on_device, self.max_buffer_bytes, self.rt.name)
        buf = self.rt.create_buffer(tensor.nbytes_on_device)
        self._separate.append(buf)
        ref = VKTensorRef(buf, 0, tensor.nbytes_on_device)
        if tensor.constant is not None:
            ref.view(self.store)[:] = np.asarray(tensor.constant).reshape(-1)
        return ref

    def on_clear_buffer(self) -> bool:
        vk, dev = self.rt.vk, self.rt.device
        if self._recorded:
            vk.vkFreeCommandBuffers(dev, self.rt.pool, len(self._recorded), list(self._recorded.values()))
            self._recorded.clear()
        for pool in self._pools:
            vk.vkDestroyDescriptorPool(dev, pool, None)
        self._pools.clear()
        for buf in self._separate:
            self.rt.destroy_buffer(buf)
        self._separate.clear()
        return super().on_clear_buffer()

    def descriptor_set(self, pipe: VKPipeline, refs: list[VKTensorRef]) -> Any:
        """A descriptor set for `pipe` pointing binding i at refs[i]'s byte range."""
        vk, dev = self.rt.vk, self.rt.device
        size = vk.VkDescriptorPoolSize(type=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount=len(refs))
        pool = vk.vkCreateDescriptorPool(dev, vk.VkDescriptorPoolCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, maxSets=1, poolSizeCount=1,
            pPoolSizes=[size]), None)
        self._pools.append(pool)
        dset = vk.vkAllocateDescriptorSets(dev, vk.VkDescriptorSetAllocateInfo(
            sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool=pool, descriptorSetCount=1,
            pSetLayouts=[pipe.set_layout]))[0]
        infos = [vk.VkDescriptorBufferInfo(buffer=r.buf.buffer, offset=r.offset, range=r.nbytes) for r in refs]
        writes = [vk.VkWriteDescriptorSet(sType=vk.VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, dstSet=dset,
                                          dstBinding=i, descriptorCount=1,
                                          descriptorType=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo=[info])
                  for i, info in enumerate(infos)]
        vk.vkUpdateDescriptorSets(dev, len(writes), writes, 0, None)
        return dset

    # -- copies (the only way data enters or leaves the device) -------------
    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        """Buffers are host-mapped; the GPU is idle between command buffers (each run waits)."""
        if src.backend is self and dst.backend is self:
            dst.handle.view(np.uint8)[:] = src.handle.view(np.uint8)
        elif dst.backend is self:                                   # host -> device (+ fp16 conversion)
            dst.handle.view(self.store)[:] = np.asarray(src.handle).reshape(-1)
        else:                                                       # device -> host
            np.copyto(dst.handle, src.handle.view(self.store).reshape(dst.shape), casting="unsafe")

    # -- recording and submission ------------------------------------------
    def on_execute_begin(self) -> None:
        self._pending = []

    def record(self, execution: Execution, commands: Callable[[Any], None]) -> None:
        """Called by executions' on_execute: queue `commands(cmd)` for this command buffer."""
        self._pending.append((execution, commands))

    def on_execute_end(self) -> None:
        if not self._pending:
            return
        key = tuple(id(e) for e, _ in self._pending)
        cmd = self._recorded.get(key)
        if cmd is None:
            cmd = self._record([c for _, c in self._pending])
            self._recorded[key] = cmd
        self.rt.submit_and_wait(cmd)

    def _record(self, commands: list[Callable[[Any], None]]) -> Any:
        vk = self.rt.vk
        cmd = self.rt.allocate_command_buffer()
        vk.vkBeginCommandBuffer(cmd, vk.VkCommandBufferBeginInfo(sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO))
        for i, commands_of_step in enumerate(commands):
            if i:
                self._barrier(cmd, vk.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                              vk.VK_ACCESS_SHADER_READ_BIT | vk.VK_ACCESS_SHADER_WRITE_BIT)
            commands_of_step(cmd)
        self._barrier(cmd, vk.VK_PIPELINE_STAGE_HOST_BIT, vk.VK_ACCESS_HOST_READ_BIT)
        vk.vkEndCommandBuffer(cmd)
        return cmd

    def _barrier(self, cmd: Any, dst_stage: int, dst_access: int) -> None:
        vk = self.rt.vk
        barrier = vk.VkMemoryBarrier(sType=vk.VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                     srcAccessMask=vk.VK_ACCESS_SHADER_WRITE_BIT, dstAccessMask=dst_access)
        vk.vkCmdPipelineBarrier(cmd, vk.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, dst_stage, 0, 1, [barrier],
                                0, None, 0, None)

    def describe(self) -> str:
        return f"vulkan {self.rt.name} ({self.precision})"
