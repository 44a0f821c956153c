"""The Vulkan runtime: one logical device per physical device per process, its compute queue
(submissions serialised by the runtime's lock), buffers, and compute pipelines built once
per (shader, precision, bindings, push-constant size) and shared by every session.

Buffers are HOST_VISIBLE | HOST_COHERENT and stay mapped: on lavapipe and integrated GPUs
that is the device's own memory.
"""
from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DeviceError
from ...scheduler import BackendStatus
from ...scheduler.vulkan_probe import create_instance, feature_chain
from ..gpu_common import GpuRuntime, runtime_status_check
from .pipeline_cache import PipelineCache

LOCAL_SIZE = 64                  # spirv_shaders/precision.glsl
FENCE_TIMEOUT_NS = 60_000_000_000


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


class VKRuntime(GpuRuntime):
    def __init__(self, vk: Any, device_index: int, family: int, want_fp16: bool):
        super().__init__()
        self.vk = vk
        self.instance = create_instance(vk)
        self.physical = vk.vkEnumeratePhysicalDevices(self.instance)[device_index]
        props = vk.vkGetPhysicalDeviceProperties(self.physical)
        features, s16, f16 = feature_chain(vk)
        vk.vkGetPhysicalDeviceFeatures2(self.physical, features)
        if not want_fp16:
            s16.storageBuffer16BitAccess = f16.shaderFloat16 = vk.VK_FALSE
        queue_info = vk.VkDeviceQueueCreateInfo(sType=vk.VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                                queueFamilyIndex=family, queueCount=1, pQueuePriorities=[1.0])
        self.device = vk.vkCreateDevice(self.physical, vk.VkDeviceCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, pNext=features, queueCreateInfoCount=1,
            pQueueCreateInfos=[queue_info]), None)
        self.queue = vk.vkGetDeviceQueue(self.device, family, 0)
        self.pipeline_cache_store = PipelineCache(vk, self.device, props, {"fp16": want_fp16})  # disk <-> driver
        self.pipeline_cache = self.pipeline_cache_store.handle
        self.family = family
        self.memory_type = _host_memory_type(vk, self.physical)
        lim = props.limits
        self.limits = {"max_storage_buffer_range": int(lim.maxStorageBufferRange),
                       "min_storage_buffer_offset_alignment": int(lim.minStorageBufferOffsetAlignment),
                       "max_group_count_x": int(lim.maxComputeWorkGroupCount[0])}
        self.max_buffer_bytes = self.limits["max_storage_buffer_range"]
        self.name = props.deviceName
        self.driver_version = int(props.driverVersion)
        self.fp16_enabled = want_fp16
        self.small_storage = {16} if want_fp16 else set()      # storage buffers of 8 / 16-bit elements
        self._pipelines: dict[tuple, VKPipeline] = {}

    def describe(self) -> str:
        return f"{self.name} | driver {self.driver_version}"

    # -- buffers ------------------------------------------------------------
    def create_buffer(self, nbytes: int) -> VKBuffer:
        vk = self.vk
        size = max(int(nbytes), 16)
        info = vk.VkBufferCreateInfo(sType=vk.VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, size=size,
                                     usage=vk.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT
                                     | vk.VK_BUFFER_USAGE_TRANSFER_SRC_BIT | vk.VK_BUFFER_USAGE_TRANSFER_DST_BIT,
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
        key = (stem, precision, bindings, push_bytes)
        with self.lock:
            if key not in self._pipelines:
                self._pipelines[key] = self._build_pipeline(stem, precision, bindings, push_bytes)
            return self._pipelines[key]

    def _build_pipeline(self, stem: str, precision: str, bindings: int, push_bytes: int) -> VKPipeline:
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
        pipeline = vk.vkCreateComputePipelines(self.device, self.pipeline_cache, 1, [info], None)[0]
        vk.vkDestroyShaderModule(self.device, module, None)
        return VKPipeline(pipeline, layout, set_layout, bindings, push_bytes)

    # -- submission ---------------------------------------------------------
    def submit_and_wait(self, cmd: Any, fence: Any) -> None:
        """Submit one command buffer (the queue is shared: submission under the lock) and wait
        on the caller's own fence."""
        vk = self.vk
        try:
            vk.vkResetFences(self.device, 1, [fence])
            submit = vk.VkSubmitInfo(sType=vk.VK_STRUCTURE_TYPE_SUBMIT_INFO, commandBufferCount=1,
                                     pCommandBuffers=[cmd])
            with self.lock:
                vk.vkQueueSubmit(self.queue, 1, [submit], fence)
            vk.vkWaitForFences(self.device, 1, [fence], vk.VK_TRUE, FENCE_TIMEOUT_NS)
        except (vk.VkError, vk.VkException) as exc:   # VkErrorDeviceLost, VkTimeout, ...
            raise DeviceError(f"{self.name}: the GPU did not complete the work: {type(exc).__name__}") from exc


def _host_memory_type(vk: Any, physical: Any) -> int:
    want = vk.VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | vk.VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
    mem = vk.vkGetPhysicalDeviceMemoryProperties(physical)
    for i in range(mem.memoryTypeCount):
        if mem.memoryTypes[i].propertyFlags & want == want:
            return i
    raise DeviceError("no HOST_VISIBLE | HOST_COHERENT memory type")


@functools.lru_cache(maxsize=None)
def _runtime(device_index: int, family: int, want_fp16: bool) -> VKRuntime:
    import vulkan as vk
    return VKRuntime(vk, device_index, family, want_fp16)


def get_runtime(status: BackendStatus) -> VKRuntime:
    """The process-wide runtime of the device the probe chose."""
    runtime_status_check(status, "Vulkan")
    p = status.device.properties
    return _runtime(p["device_index"], p["queue_family"], bool(p["storageBuffer16BitAccess"]))
