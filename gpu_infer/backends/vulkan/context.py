"""Vulkan objects for one device: instance, logical device, compute queue, command pool,
host-visible buffers, and compute pipelines built once per (shader, precision).

Buffers are HOST_VISIBLE | HOST_COHERENT and stay mapped: on lavapipe and integrated GPUs
that is the device's only memory; a discrete GPU would want DEVICE_LOCAL buffers with a
staging copy (later work).
"""
from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import DeviceError
from ...scheduler import BackendStatus
from ...scheduler.vulkan_probe import create_instance, feature_chain

LOCAL_SIZE = 64                  # spirv_shaders/precision.glsl


@dataclass
class VKBuffer:
    """A mapped buffer: `array` is its bytes as a NumPy uint8 view."""
    buffer: Any
    memory: Any
    size: int
    array: np.ndarray


@dataclass
class VKPipeline:
    pipeline: Any
    layout: Any
    set_layout: Any
    bindings: int
    push_bytes: int


@dataclass
class VKRuntime:
    vk: Any
    instance: Any
    physical: Any
    device: Any
    queue: Any
    family: int
    pool: Any
    fence: Any
    memory_type: int
    limits: dict[str, Any]
    name: str
    fp16_enabled: bool
    _pipelines: dict[tuple[str, str], VKPipeline] = field(default_factory=dict)

    # -- buffers ------------------------------------------------------------
    def create_buffer(self, nbytes: int) -> VKBuffer:
        vk = self.vk
        size = max(int(nbytes), 16)
        info = vk.VkBufferCreateInfo(sType=vk.VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, size=size,
                                     usage=vk.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                     sharingMode=vk.VK_SHARING_MODE_EXCLUSIVE)
        buffer = vk.vkCreateBuffer(self.device, info, None)
        req = vk.vkGetBufferMemoryRequirements(self.device, buffer)
        alloc = vk.VkMemoryAllocateInfo(sType=vk.VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                        allocationSize=req.size, memoryTypeIndex=self.memory_type)
        try:
            memory = vk.vkAllocateMemory(self.device, alloc, None)
        except vk.VkError as exc:
            vk.vkDestroyBuffer(self.device, buffer, None)
            raise DeviceError(f"{self.name}: cannot allocate {size / 2**20:.1f} MiB: {type(exc).__name__}") from exc
        vk.vkBindBufferMemory(self.device, buffer, memory, 0)
        mapped = vk.vkMapMemory(self.device, memory, 0, size, 0)
        return VKBuffer(buffer, memory, size, np.frombuffer(mapped, np.uint8, count=size))

    def destroy_buffer(self, buf: VKBuffer) -> None:
        self.vk.vkUnmapMemory(self.device, buf.memory)
        self.vk.vkDestroyBuffer(self.device, buf.buffer, None)
        self.vk.vkFreeMemory(self.device, buf.memory, None)

    # -- pipelines ----------------------------------------------------------
    def pipeline(self, stem: str, precision: str, bindings: int, push_bytes: int) -> VKPipeline:
        key = (stem, precision)
        if key in self._pipelines:
            return self._pipelines[key]
        vk = self.vk
        code = importlib.resources.files("gpu_infer.spirv_shaders").joinpath(f"{stem}.{precision}.spv").read_bytes()
        module = vk.vkCreateShaderModule(self.device, vk.VkShaderModuleCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, codeSize=len(code), pCode=code), None)
        slots = [vk.VkDescriptorSetLayoutBinding(binding=i, descriptorType=vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                                 descriptorCount=1, stageFlags=vk.VK_SHADER_STAGE_COMPUTE_BIT)
                 for i in range(bindings)]
        set_layout = vk.vkCreateDescriptorSetLayout(self.device, vk.VkDescriptorSetLayoutCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, bindingCount=bindings,
            pBindings=slots), None)
        push = vk.VkPushConstantRange(stageFlags=vk.VK_SHADER_STAGE_COMPUTE_BIT, offset=0, size=push_bytes)
        layout = vk.vkCreatePipelineLayout(self.device, vk.VkPipelineLayoutCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, setLayoutCount=1, pSetLayouts=[set_layout],
            pushConstantRangeCount=1, pPushConstantRanges=[push]), None)
        stage = vk.VkPipelineShaderStageCreateInfo(     # named: built inline it is freed too early
            sType=vk.VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, stage=vk.VK_SHADER_STAGE_COMPUTE_BIT,
            module=module, pName="main")
        info = vk.VkComputePipelineCreateInfo(sType=vk.VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
                                              stage=stage, layout=layout)
        pipeline = vk.vkCreateComputePipelines(self.device, None, 1, [info], None)[0]
        vk.vkDestroyShaderModule(self.device, module, None)
        self._pipelines[key] = VKPipeline(pipeline, layout, set_layout, bindings, push_bytes)
        return self._pipelines[key]

    # -- submission ---------------------------------------------------------
    def allocate_command_buffer(self) -> Any:
        vk = self.vk
        return vk.vkAllocateCommandBuffers(self.device, vk.VkCommandBufferAllocateInfo(
            sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, commandPool=self.pool,
            level=vk.VK_COMMAND_BUFFER_LEVEL_PRIMARY, commandBufferCount=1))[0]

    def submit_and_wait(self, cmd: Any) -> None:
        vk = self.vk
        vk.vkResetFences(self.device, 1, [self.fence])
        submit = vk.VkSubmitInfo(sType=vk.VK_STRUCTURE_TYPE_SUBMIT_INFO, commandBufferCount=1, pCommandBuffers=[cmd])
        vk.vkQueueSubmit(self.queue, 1, [submit], self.fence)
        vk.vkWaitForFences(self.device, 1, [self.fence], vk.VK_TRUE, 60_000_000_000)


def _host_memory_type(vk: Any, physical: Any) -> int:
    want = vk.VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | vk.VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
    mem = vk.vkGetPhysicalDeviceMemoryProperties(physical)
    for i in range(mem.memoryTypeCount):
        if mem.memoryTypes[i].propertyFlags & want == want:
            return i
    raise DeviceError("no HOST_VISIBLE | HOST_COHERENT memory type")


@functools.lru_cache(maxsize=None)
def runtime_for(device_index: int, family: int, want_fp16: bool) -> VKRuntime:
    """One logical device per physical device per process (pipelines are shared by sessions)."""
    import vulkan as vk
    instance = create_instance(vk)
    physical = vk.vkEnumeratePhysicalDevices(instance)[device_index]
    props = vk.vkGetPhysicalDeviceProperties(physical)
    features, s16, f16 = feature_chain(vk)
    vk.vkGetPhysicalDeviceFeatures2(physical, features)
    if not want_fp16:
        s16.storageBuffer16BitAccess = f16.shaderFloat16 = vk.VK_FALSE
    queue_info = vk.VkDeviceQueueCreateInfo(sType=vk.VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                            queueFamilyIndex=family, queueCount=1, pQueuePriorities=[1.0])
    device = vk.vkCreateDevice(physical, vk.VkDeviceCreateInfo(
        sType=vk.VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, pNext=features, queueCreateInfoCount=1,
        pQueueCreateInfos=[queue_info]), None)
    queue = vk.vkGetDeviceQueue(device, family, 0)
    pool = vk.vkCreateCommandPool(device, vk.VkCommandPoolCreateInfo(
        sType=vk.VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, queueFamilyIndex=family,
        flags=vk.VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT), None)
    fence = vk.vkCreateFence(device, vk.VkFenceCreateInfo(sType=vk.VK_STRUCTURE_TYPE_FENCE_CREATE_INFO), None)
    lim = props.limits
    limits = {"max_storage_buffer_range": int(lim.maxStorageBufferRange),
              "min_storage_buffer_offset_alignment": int(lim.minStorageBufferOffsetAlignment),
              "max_group_count_x": int(lim.maxComputeWorkGroupCount[0])}
    return VKRuntime(vk, instance, physical, device, queue, family, pool, fence, _host_memory_type(vk, physical),
                     limits, props.deviceName, want_fp16)


def runtime_from_status(status: BackendStatus) -> VKRuntime:
    if not status.valid or status.device is None:
        raise DeviceError(f"Vulkan is invalid here: {status.reason}")
    p = status.device.properties
    return runtime_for(p["device_index"], p["queue_family"], bool(p["storageBuffer16BitAccess"]))
