"""The Vulkan runtime: one logical device per physical device per process, its compute queue
(submissions serialised by the runtime's lock), buffers, and compute pipelines built once per
(shader, variant, bindings, push-constant size, work-group size) and shared by every session.

The instance and device are created at API 1.1, the baseline of every driver we target
(Android included). There 16-bit storage is core, while 8-bit storage and shaderFloat16 come
from VK_KHR_8bit_storage and VK_KHR_shader_float16_int8, which 1.2+ drivers still advertise:
one code path for every device. Only the features a shader uses are enabled.

Every driver error becomes a DeviceError naming the call and the device. A lost device (or a
fence that never signals) poisons the runtime: every later run on it raises.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.resources
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from ...errors import DeviceError
from ...scheduler import BackendStatus
from ...scheduler.vulkan_probe import FEATURES, create_instance, device_extensions, feature_chain, \
    max_allocation_bytes, query_features
from ..common import check_alloc
from ..gpu_common import GpuRuntime, runtime_status_check
from .memory import MemoryPolicy, VKBuffer
from .pipeline_cache import PipelineCache
from .texel import TexelSupport, descriptor_type
from .validation import Validation, requested as validation_requested, validation_messages

__all__ = ["VKRuntime", "VKPipeline", "get_runtime", "validation_messages", "LOCAL_SIZE"]

LOCAL_SIZE = 64                  # preferred work-group size: specialization constant 0 of every shader
SPEC_FIRST = 3                   # the first specialization constant a family's shader may declare
FENCE_TIMEOUT_NS = 60_000_000_000
# a submission's first run may hold the driver's deferred compiles: lavapipe builds each
# texel-reading pipeline's sampling code at its first dispatch, tens of seconds on a busy 2-core VM
FIRST_FENCE_TIMEOUT_NS = 600_000_000_000
# features the shaders use (SPIR-V capabilities StorageBuffer16/8BitAccess, Float16, Int64,
# Float64), each enabled only where the device has it. Copies never need Int64 (8-byte elements
# move as uvec2); kernels computing on int64 / float64 elements do (KERNEL_TYPE_FEATURES).
SHADER_FEATURES = ("storageBuffer16BitAccess", "storageBuffer8BitAccess", "shaderFloat16", "shaderInt64",
                   "shaderFloat64")
SMALL_STORAGE_BITS = {"storageBuffer16BitAccess": 16, "storageBuffer8BitAccess": 8}
# element types a kernel computes on -> the feature it needs (others: none, or small storage by size)
KERNEL_TYPE_FEATURES = {np.dtype(np.int64): "shaderInt64", np.dtype(np.uint64): "shaderInt64",
                        np.dtype(np.float64): "shaderFloat64"}


@dataclass
class VKPipeline:
    pipeline: Any
    layout: Any
    set_layout: Any
    kinds: str           # per binding: "s" storage buffer, "t" uniform texel buffer
    push_bytes: int


class VKRuntime(GpuRuntime):
    def __init__(self, vk: Any, device_index: int, family: int):
        super().__init__()
        self.vk = vk
        self.name = "the Vulkan instance"        # (until the device is known)
        self.lost: str | None = None             # why the device is unusable, once it is
        self.fence_timeout_ns = FENCE_TIMEOUT_NS  # (the last wait's, named when it times out)
        self.validation = Validation(vk) if validation_requested() else None
        v = self.validation
        with self.driver_call("vkCreateInstance"):
            self.instance = (create_instance(vk) if v is None else
                             create_instance(vk, v.layers, v.extensions, v.instance_next))
        try:
            if v is not None:
                v.attach(self.instance)
            self._open(device_index, family)
        except BaseException:
            vk.vkDestroyInstance(self.instance, None)     # (a half-made runtime is not cached)
            raise

    def _open(self, device_index: int, family: int) -> None:
        vk = self.vk
        self.physical = vk.vkEnumeratePhysicalDevices(self.instance)[device_index]
        props = vk.vkGetPhysicalDeviceProperties(self.physical)
        self.name = props.deviceName
        self.driver_version = int(props.driverVersion)
        self.vendor_id = int(props.vendorID)
        self.api_version = int(props.apiVersion)
        with self.driver_call("vkCreateDevice"):
            self.device, self.enabled_features, self.enabled_extensions = open_device(vk, self.physical, family)
        self.queue = vk.vkGetDeviceQueue(self.device, family, 0)
        self.family = family
        # device timestamps (profiled segments): bits that count (0: none on this queue), ns per tick
        self.timestamp_bits = int(vk.vkGetPhysicalDeviceQueueFamilyProperties(self.physical)[family]
                                  .timestampValidBits)
        self.timestamp_period_ns = float(props.limits.timestampPeriod)
        self.small_storage = {SMALL_STORAGE_BITS[n] for n in self.enabled_features if n in SMALL_STORAGE_BITS}
        self.fp16_enabled = "shaderFloat16" in self.enabled_features       # float16 arithmetic (fp16-arith)
        self.memory = MemoryPolicy.query(vk, self.physical)
        lim = props.limits
        self.limits = {"max_storage_buffer_range": int(lim.maxStorageBufferRange),
                       "min_storage_buffer_offset_alignment": int(lim.minStorageBufferOffsetAlignment),
                       "max_group_count_x": int(lim.maxComputeWorkGroupCount[0]),
                       "max_group_count": tuple(int(v) for v in lim.maxComputeWorkGroupCount),
                       "max_group_size": tuple(int(v) for v in lim.maxComputeWorkGroupSize),
                       "max_group_invocations": int(lim.maxComputeWorkGroupInvocations)}
        self.texel = TexelSupport(vk, self.physical, lim)
        # the largest tensor: what one binding can reach, as a storage buffer or as a texel view of
        # 4-byte texels (a dispatch binding a tensor as storage past the storage range refuses)
        self.max_allocation = max_allocation_bytes(vk, self.physical)
        self.max_buffer_bytes = min(self.max_allocation, max(self.limits["max_storage_buffer_range"],
                                                             self.texel.max_bytes(4)))
        self.local_size = min(LOCAL_SIZE, int(lim.maxComputeWorkGroupInvocations),
                              int(lim.maxComputeWorkGroupSize[0]))
        features = {name: name in self.enabled_features for name in SHADER_FEATURES}
        self.pipeline_cache_store = PipelineCache(vk, self.device, props, features)    # disk <-> driver
        self.pipeline_cache: Any = self.pipeline_cache_store.handle
        self._pipelines: dict[tuple, VKPipeline] = {}

    def type_refusal(self, dtype: Any) -> str | None:
        """Why a kernel cannot compute on elements of `dtype` here (None: it can): 1- and 2-byte
        elements need 8- / 16-bit storage, int64 and float64 need shaderInt64 / shaderFloat64."""
        dtype = np.dtype(dtype)
        bits = dtype.itemsize * 8
        if bits < 32 and bits not in self.small_storage:
            return f"{dtype.name} elements need {bits}-bit storage buffers, which {self.name} does not enable"
        feature = KERNEL_TYPE_FEATURES.get(dtype)
        if feature is not None and feature not in self.enabled_features:
            return f"{dtype.name} arithmetic needs {feature}, which {self.name} lacks"
        return None

    def describe(self) -> str:
        """device | vendor | driver | API version (the tuning cache's device key)."""
        v = self.api_version
        return (f"{self.name} | vendor 0x{self.vendor_id:04x} | driver {self.driver_version} | "
                f"Vulkan {v >> 22}.{(v >> 12) & 0x3FF}.{v & 0xFFF}")

    # -- errors -------------------------------------------------------------
    @contextlib.contextmanager
    def driver_call(self, call: str, what: str = "") -> Iterator[None]:
        """Turn the driver's errors inside the block into a DeviceError naming `call`."""
        try:
            yield
        except (self.vk.VkError, self.vk.VkException) as exc:
            raise self.driver_error(call, exc, what) from exc

    def driver_error(self, call: str, exc: Exception, what: str = "") -> DeviceError:
        vk, kind = self.vk, type(exc).__name__
        if isinstance(exc, (vk.VkErrorDeviceLost, vk.VkTimeout)):
            # nothing submitted can be taken back: the device is unusable from here on
            self.lost = (f"{call} timed out after {self.fence_timeout_ns // 10**9} s" if isinstance(exc, vk.VkTimeout)
                         else f"{call} returned {kind}")
            return DeviceError(self.lost_message())
        hint = {"VkErrorOutOfDeviceMemory": " (out of device memory)",
                "VkErrorOutOfHostMemory": " (out of host memory)"}.get(kind, "")
        return DeviceError(f"{self.name}: {call}{f' for {what}' if what else ''} failed: {kind}{hint}")

    def lost_message(self) -> str:
        return (f"{self.name}: the Vulkan device was lost ({self.lost}); every session on it must be "
                f"recreated, in a new process")

    def check_alive(self) -> None:
        if self.lost is not None:
            raise DeviceError(self.lost_message())

    # -- buffers ------------------------------------------------------------
    def create_buffer(self, nbytes: int, what: str, host: str | None = None) -> VKBuffer:
        """A buffer for `what` (named in errors). host=None: one the kernels use, device-local
        and mapped where that memory is host-visible; "write" / "read": a staging buffer the
        host fills for an upload / reads after a download. Sizes beyond the device's limits are
        refused before the driver is asked."""
        vk = self.vk
        size = max(int(nbytes), 16)
        check_alloc(what, size, self._limit(self._memory_type(host, ~0)[0]), self.name)
        usage = vk.VK_BUFFER_USAGE_TRANSFER_SRC_BIT | vk.VK_BUFFER_USAGE_TRANSFER_DST_BIT
        if host is None:
            usage |= vk.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | vk.VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT
        with self.driver_call("vkCreateBuffer", what):
            buffer = vk.vkCreateBuffer(self.device, vk.VkBufferCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, size=size, usage=usage,
                sharingMode=vk.VK_SHARING_MODE_EXCLUSIVE), None)
        try:
            req = vk.vkGetBufferMemoryRequirements(self.device, buffer)
            index, mapped = self._memory_type(host, req.memoryTypeBits)
            check_alloc(what, req.size, self._limit(index), self.name)
            with self.driver_call("vkAllocateMemory", what):
                memory = vk.vkAllocateMemory(self.device, vk.VkMemoryAllocateInfo(
                    sType=vk.VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, allocationSize=req.size,
                    memoryTypeIndex=index), None)
        except BaseException:
            vk.vkDestroyBuffer(self.device, buffer, None)
            raise
        try:
            with self.driver_call("vkBindBufferMemory", what):
                vk.vkBindBufferMemory(self.device, buffer, memory, 0)
            array = None
            if mapped:
                with self.driver_call("vkMapMemory", what):
                    array = np.frombuffer(vk.vkMapMemory(self.device, memory, 0, size, 0), np.uint8, count=size)
        except BaseException:
            vk.vkDestroyBuffer(self.device, buffer, None)
            vk.vkFreeMemory(self.device, memory, None)
            raise
        return VKBuffer(buffer, memory, size, array)

    def _memory_type(self, host: str | None, allowed: int) -> tuple[int, bool]:
        if host is None:
            return self.memory.for_kernels(allowed)
        return self.memory.for_staging(allowed, readback=host == "read"), True

    def _limit(self, memory_type: int) -> int:
        """The most one allocation of this memory type may hold."""
        return min(self.max_allocation, self.memory.heap_bytes(memory_type))

    def destroy_buffer(self, buf: VKBuffer) -> None:
        if buf.array is not None:
            self.vk.vkUnmapMemory(self.device, buf.memory)
        self.vk.vkDestroyBuffer(self.device, buf.buffer, None)
        self.vk.vkFreeMemory(self.device, buf.memory, None)

    def upload(self, buf: VKBuffer, data: np.ndarray, what: str) -> None:
        """Put `data` at the start of `buf`: directly when mapped, else through a staging buffer
        and a one-time command buffer (prepare time: constants, region tables)."""
        raw = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        if buf.array is not None:
            buf.array[:raw.nbytes] = raw
            return
        if not raw.nbytes:
            return
        stage = self.create_buffer(raw.nbytes, f"staging for {what}", host="write")
        try:
            stage.array[:raw.nbytes] = raw
            self.run_once(lambda cmd: copy_buffer(self.vk, cmd, stage.buffer, 0, buf.buffer, 0, raw.nbytes))
        finally:
            self.destroy_buffer(stage)

    def run_once(self, record: Callable[[Any], None]) -> None:
        """Record, submit and wait for one command buffer of its own (a transient pool and fence)."""
        vk, dev = self.vk, self.device
        pool = self.create_command_pool(vk.VK_COMMAND_POOL_CREATE_TRANSIENT_BIT)
        fence = None
        try:
            fence = self.create_fence()
            cmd = self.allocate_command_buffer(pool)
            with self.driver_call("vkBeginCommandBuffer"):
                vk.vkBeginCommandBuffer(cmd, vk.VkCommandBufferBeginInfo(
                    sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                    flags=vk.VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT))
            record(cmd)
            with self.driver_call("vkEndCommandBuffer"):
                vk.vkEndCommandBuffer(cmd)
            self.submit_and_wait(Submission(vk, cmd, fence))
        finally:
            if fence is not None:
                vk.vkDestroyFence(dev, fence, None)
            vk.vkDestroyCommandPool(dev, pool, None)

    # -- command buffers and fences ---------------------------------------------
    def create_command_pool(self, flags: int = 0) -> Any:
        vk = self.vk
        with self.driver_call("vkCreateCommandPool"):
            return vk.vkCreateCommandPool(self.device, vk.VkCommandPoolCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, flags=flags, queueFamilyIndex=self.family), None)

    def create_fence(self) -> Any:
        vk = self.vk
        with self.driver_call("vkCreateFence"):
            return vk.vkCreateFence(self.device, vk.VkFenceCreateInfo(sType=vk.VK_STRUCTURE_TYPE_FENCE_CREATE_INFO),
                                    None)

    def allocate_command_buffer(self, pool: Any) -> Any:
        vk = self.vk
        with self.driver_call("vkAllocateCommandBuffers"):
            return vk.vkAllocateCommandBuffers(self.device, vk.VkCommandBufferAllocateInfo(
                sType=vk.VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, commandPool=pool,
                level=vk.VK_COMMAND_BUFFER_LEVEL_PRIMARY, commandBufferCount=1))[0]

    def submit_and_wait(self, sub: "Submission") -> None:
        """Submit (the queue is shared: under the lock) and wait on the submission's own fence,
        without the lock: the `vulkan` package (cffi) releases the GIL while the driver waits,
        so other threads and sessions keep submitting."""
        vk = self.vk
        self.check_alive()
        call = "vkResetFences"
        try:
            vk.vkResetFences(self.device, 1, sub.fences)
            call = "vkQueueSubmit"
            with self.lock:
                vk.vkQueueSubmit(self.queue, 1, sub.infos, sub.fence)
            call = "vkWaitForFences"
            self.fence_timeout_ns = FENCE_TIMEOUT_NS if sub.waited else FIRST_FENCE_TIMEOUT_NS
            vk.vkWaitForFences(self.device, 1, sub.fences, vk.VK_TRUE, self.fence_timeout_ns)
            sub.waited = True
        except (vk.VkError, vk.VkException) as exc:
            raise self.driver_error(call, exc) from exc

    # -- pipelines ----------------------------------------------------------
    def pipeline(self, stem: str, variant: str, kinds: str, push_bytes: int, local_size: int | tuple[int, ...],
                 constants: tuple[int, ...] = ()) -> VKPipeline:
        """The pipeline of shader `stem.variant.spv` with bindings of `kinds` (per binding "s" a
        storage buffer, "t" a uniform texel buffer), specialized: constants 0-2 the work-group
        size (x, y, z; shaders that are 1-D read only 0), SPEC_FIRST onwards `constants` (int32:
        an op code, a flag the compiler folds). Built once per key, under the lock."""
        local = (tuple(local_size) + (1, 1))[:3] if isinstance(local_size, tuple) else (local_size, 1, 1)
        key = (stem, variant, kinds, push_bytes, local, tuple(int(c) for c in constants))
        with self.lock:
            if key not in self._pipelines:
                self._pipelines[key] = self._build_pipeline(*key)
            return self._pipelines[key]

    def _build_pipeline(self, stem: str, variant: str, kinds: str, push_bytes: int, local: tuple[int, int, int],
                        constants: tuple[int, ...]) -> VKPipeline:
        vk, dev = self.vk, self.device
        what = f"shader {stem}.{variant}"
        code = importlib.resources.files("gpu_infer.spirv_shaders").joinpath(f"{stem}.{variant}.spv").read_bytes()
        with self.driver_call("vkCreateShaderModule", what):
            module = vk.vkCreateShaderModule(dev, vk.VkShaderModuleCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, codeSize=len(code), pCode=code), None)
        try:
            slots = [vk.VkDescriptorSetLayoutBinding(binding=i, descriptorType=descriptor_type(vk, kind),
                                                     descriptorCount=1, stageFlags=vk.VK_SHADER_STAGE_COMPUTE_BIT)
                     for i, kind in enumerate(kinds)]
            with self.driver_call("vkCreateDescriptorSetLayout", what):
                set_layout = vk.vkCreateDescriptorSetLayout(dev, vk.VkDescriptorSetLayoutCreateInfo(
                    sType=vk.VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, bindingCount=len(kinds),
                    pBindings=slots), None)
            push = vk.VkPushConstantRange(stageFlags=vk.VK_SHADER_STAGE_COMPUTE_BIT, offset=0, size=push_bytes)
            with self.driver_call("vkCreatePipelineLayout", what):
                layout = vk.vkCreatePipelineLayout(dev, vk.VkPipelineLayoutCreateInfo(
                    sType=vk.VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, setLayoutCount=1, pSetLayouts=[set_layout],
                    pushConstantRangeCount=1, pPushConstantRanges=[push]), None)
            # nested structs as named objects: built inline they are freed too early
            values = [*local, *constants]
            ids = [0, 1, 2] + [SPEC_FIRST + k for k in range(len(constants))]
            entries = [vk.VkSpecializationMapEntry(constantID=i, offset=4 * k, size=4) for k, i in enumerate(ids)]
            data = vk.ffi.new("int32_t[]", values)
            spec = vk.VkSpecializationInfo(mapEntryCount=len(entries), pMapEntries=entries, dataSize=4 * len(values),
                                           pData=data)
            stage = vk.VkPipelineShaderStageCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, stage=vk.VK_SHADER_STAGE_COMPUTE_BIT,
                module=module, pName="main", pSpecializationInfo=spec)
            info = vk.VkComputePipelineCreateInfo(sType=vk.VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
                                                  stage=stage, layout=layout)
            with self.driver_call("vkCreateComputePipelines", what):
                pipeline = vk.vkCreateComputePipelines(dev, self.pipeline_cache, 1, [info], None)[0]
        finally:
            vk.vkDestroyShaderModule(dev, module, None)
        return VKPipeline(pipeline, layout, set_layout, kinds, push_bytes)


class Submission:
    """One command buffer and the fence it signals, as the arrays vkQueueSubmit and the fence
    calls take: built once, so a re-submission converts nothing."""
    __slots__ = ("fence", "info", "infos", "fences", "waited")

    def __init__(self, vk: Any, cmd: Any, fence: Any):
        self.fence = fence
        self.waited = False            # (its first wait gets FIRST_FENCE_TIMEOUT_NS)
        self.info = vk.VkSubmitInfo(sType=vk.VK_STRUCTURE_TYPE_SUBMIT_INFO, commandBufferCount=1,
                                    pCommandBuffers=[cmd])
        self.infos = vk.ffi.new("VkSubmitInfo[1]", [self.info])     # (self.info keeps its command array alive)
        self.fences = vk.ffi.new("VkFence[1]", [fence])


def open_device(vk: Any, physical: Any, family: int) -> tuple[Any, frozenset[str], tuple[str, ...]]:
    """A logical device with one queue of `family` and, of every feature, only those the shaders
    use and the device has (robustBufferAccess and the rest stay off): (device, features
    enabled, extensions enabled)."""
    have = query_features(vk, physical, device_extensions(vk, physical))
    enable = [name for name in SHADER_FEATURES if have[name]]
    features, _ = feature_chain(vk, enable, enable=True)
    extensions = sorted({FEATURES[name][2] for name in enable} - {None})
    queue_info = vk.VkDeviceQueueCreateInfo(sType=vk.VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                            queueFamilyIndex=family, queueCount=1, pQueuePriorities=[1.0])
    device = vk.vkCreateDevice(physical, vk.VkDeviceCreateInfo(
        sType=vk.VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, pNext=features, queueCreateInfoCount=1,
        pQueueCreateInfos=[queue_info], enabledExtensionCount=len(extensions),
        ppEnabledExtensionNames=extensions or None), None)
    return device, frozenset(enable), tuple(extensions)


def copy_buffer(vk: Any, cmd: Any, src: Any, src_offset: int, dst: Any, dst_offset: int, nbytes: int) -> None:
    region = vk.VkBufferCopy(srcOffset=src_offset, dstOffset=dst_offset, size=nbytes)
    vk.vkCmdCopyBuffer(cmd, src, dst, 1, [region])


@functools.lru_cache(maxsize=None)
def _runtime(device_index: int, family: int) -> VKRuntime:
    import vulkan as vk
    return VKRuntime(vk, device_index, family)


def get_runtime(status: BackendStatus) -> VKRuntime:
    """The process-wide runtime of the device the probe chose; refused once that device is lost."""
    runtime_status_check(status, "Vulkan")
    p = status.device.properties
    rt = _runtime(p["device_index"], p["queue_family"])
    rt.check_alive()
    return rt
