"""The descriptor sets of one workspace (plan instance): requested while executions resize and
segments are built, then allocated at once from one pool sized exactly for them, and written
with one vkUpdateDescriptorSets call."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ...errors import DeviceError

if TYPE_CHECKING:
    from .backend import VKTensorRef
    from .runtime import VKPipeline, VKRuntime


class DescriptorSet:
    """One requested set: binding i points at refs[i]'s byte range; `handle` once allocated."""
    __slots__ = ("pipe", "refs", "handle")

    def __init__(self, pipe: "VKPipeline", refs: Sequence["VKTensorRef"]):
        self.pipe, self.refs, self.handle = pipe, list(refs), None


class DescriptorSets:
    def __init__(self, rt: "VKRuntime"):
        self.rt = rt
        self.requests: list[DescriptorSet] = []
        self.pool: Any = None
        self.built = False

    def request(self, pipe: "VKPipeline", refs: Sequence["VKTensorRef"]) -> DescriptorSet:
        if self.built:
            raise DeviceError(f"{self.rt.name}: a descriptor set was requested after the workspace's pool was made")
        ds = DescriptorSet(pipe, refs)
        self.requests.append(ds)
        return ds

    def build(self) -> None:
        """One pool with room for exactly the requested sets; allocate and write them all (on
        failure nothing is kept, so a later call tries again)."""
        if self.requests:
            try:
                self._build()
            except BaseException:
                self.destroy()
                raise
        self.built = True

    def _build(self) -> None:
        vk, dev, rt = self.rt.vk, self.rt.device, self.rt
        size = vk.VkDescriptorPoolSize(type=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                       descriptorCount=sum(len(r.refs) for r in self.requests))
        with rt.driver_call("vkCreateDescriptorPool"):
            self.pool = vk.vkCreateDescriptorPool(dev, vk.VkDescriptorPoolCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, maxSets=len(self.requests), poolSizeCount=1,
                pPoolSizes=[size]), None)
        with rt.driver_call("vkAllocateDescriptorSets", f"{len(self.requests)} descriptor sets"):
            handles = vk.vkAllocateDescriptorSets(dev, vk.VkDescriptorSetAllocateInfo(
                sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool=self.pool,
                descriptorSetCount=len(self.requests), pSetLayouts=[r.pipe.set_layout for r in self.requests]))
        writes = []
        for ds, handle in zip(self.requests, handles):
            ds.handle = handle
            for i, ref in enumerate(ds.refs):
                info = vk.VkDescriptorBufferInfo(buffer=ref.buf.buffer, offset=ref.offset, range=ref.bound_bytes)
                writes.append(vk.VkWriteDescriptorSet(
                    sType=vk.VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, dstSet=handle, dstBinding=i, descriptorCount=1,
                    descriptorType=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo=[info]))
        vk.vkUpdateDescriptorSets(dev, len(writes), writes, 0, None)

    def destroy(self) -> None:
        if self.pool is not None:
            self.rt.vk.vkDestroyDescriptorPool(self.rt.device, self.pool, None)
            self.pool = None
