"""The descriptor sets of one workspace (plan instance): requested while executions resize and
segments are built, then allocated at once from one pool sized exactly for them, and written
with one vkUpdateDescriptorSets call. The texel-buffer views some bindings read through
(texel.py) are made then too, once per distinct range and format, and live as long as the sets."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ...errors import DeviceError
from .texel import TEXEL_MODES, descriptor_type

if TYPE_CHECKING:
    from .backend import VKTensorRef
    from .runtime import VKPipeline, VKRuntime


class DescriptorSet:
    """One requested set: binding i points at refs[i]'s byte range, as a storage buffer or (mode
    "t" / "v") a texel view of `texel` elements; `handle` once allocated."""
    __slots__ = ("pipe", "refs", "modes", "texel", "handle")

    def __init__(self, pipe: "VKPipeline", refs: Sequence["VKTensorRef"], modes: str, texel: str):
        self.pipe, self.refs, self.modes, self.texel, self.handle = pipe, list(refs), modes, texel, None


class DescriptorSets:
    def __init__(self, rt: "VKRuntime"):
        self.rt = rt
        self.requests: list[DescriptorSet] = []
        self.pool: Any = None
        self.views: dict[tuple, Any] = {}         # (buffer, offset, range, format) -> VkBufferView
        self.built = False

    def request(self, pipe: "VKPipeline", refs: Sequence["VKTensorRef"], modes: str, texel: str) -> DescriptorSet:
        if self.built:
            raise DeviceError(f"{self.rt.name}: a descriptor set was requested after the workspace's pool was made")
        ds = DescriptorSet(pipe, refs, modes, texel)
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
        kinds = "".join(r.pipe.kinds for r in self.requests)
        sizes = [vk.VkDescriptorPoolSize(type=descriptor_type(vk, kind), descriptorCount=kinds.count(kind))
                 for kind in sorted(set(kinds))]
        with rt.driver_call("vkCreateDescriptorPool"):
            self.pool = vk.vkCreateDescriptorPool(dev, vk.VkDescriptorPoolCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, maxSets=len(self.requests),
                poolSizeCount=len(sizes), pPoolSizes=sizes), None)
        with rt.driver_call("vkAllocateDescriptorSets", f"{len(self.requests)} descriptor sets"):
            handles = vk.vkAllocateDescriptorSets(dev, vk.VkDescriptorSetAllocateInfo(
                sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool=self.pool,
                descriptorSetCount=len(self.requests), pSetLayouts=[r.pipe.set_layout for r in self.requests]))
        writes = []
        for ds, handle in zip(self.requests, handles):
            ds.handle = handle
            for i, (ref, mode) in enumerate(zip(ds.refs, ds.modes)):
                if mode in TEXEL_MODES:
                    writes.append(vk.VkWriteDescriptorSet(
                        sType=vk.VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, dstSet=handle, dstBinding=i, descriptorCount=1,
                        descriptorType=vk.VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
                        pTexelBufferView=[self.view(ref, mode, ds.texel)]))
                    continue
                info = vk.VkDescriptorBufferInfo(buffer=ref.buf.buffer, offset=ref.offset, range=ref.bound_bytes)
                writes.append(vk.VkWriteDescriptorSet(
                    sType=vk.VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, dstSet=handle, dstBinding=i, descriptorCount=1,
                    descriptorType=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo=[info]))
        vk.vkUpdateDescriptorSets(dev, len(writes), writes, 0, None)

    def view(self, ref: "VKTensorRef", mode: str, texel: str) -> Any:
        """The texel view of `ref` read in `mode` (made once per range and format)."""
        spec = self.rt.texel.view(ref, texel, mode)
        if spec is None:        # (the dispatch checked when it chose the texel variant)
            raise DeviceError(f"{self.rt.name}: a tensor's range can no longer be a texel buffer view")
        fmt, nbytes = spec
        key = (ref.buf.buffer, ref.offset, nbytes, fmt)
        if key not in self.views:
            vk = self.rt.vk
            with self.rt.driver_call("vkCreateBufferView"):
                self.views[key] = vk.vkCreateBufferView(self.rt.device, vk.VkBufferViewCreateInfo(
                    sType=vk.VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO, buffer=ref.buf.buffer, format=fmt,
                    offset=ref.offset, range=nbytes), None)
        return self.views[key]

    def destroy(self) -> None:
        for view in self.views.values():
            self.rt.vk.vkDestroyBufferView(self.rt.device, view, None)
        self.views = {}
        if self.pool is not None:
            self.rt.vk.vkDestroyDescriptorPool(self.rt.device, self.pool, None)
            self.pool = None
