"""Vulkan capability probe: physical devices, small-type storage and float16 features, limits,
subgroup size."""
from __future__ import annotations

from typing import Any, Iterable

from .status import BackendStatus, DeviceInfo, Validity

_TYPE_NAMES = {1: "GPU", 2: "GPU", 3: "GPU", 4: "CPU"}     # integrated, discrete, virtual, cpu
_TYPE_RANK = {2: 0, 1: 1, 3: 2, 4: 3}
API_VERSION = (1, 1, 0)

# Features the shaders may use -> (feature struct, its sType, the extension that exposes it on
# an API 1.1 device; None: core in 1.1). Promoted extensions stay advertised on 1.2+ drivers.
# Core VkPhysicalDeviceFeatures members (64-bit integers and floats) have no struct of
# their own: CORE_FEATURES, set in VkPhysicalDeviceFeatures2.features.
CORE = ("VkPhysicalDeviceFeatures", None, None)
FEATURES: dict[str, tuple[str, str | None, str | None]] = {
    "storageBuffer16BitAccess": ("VkPhysicalDevice16BitStorageFeatures",
                                 "VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES", None),
    "storageBuffer8BitAccess": ("VkPhysicalDevice8BitStorageFeatures",
                                "VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES", "VK_KHR_8bit_storage"),
    "shaderFloat16": ("VkPhysicalDeviceShaderFloat16Int8Features",
                      "VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES", "VK_KHR_shader_float16_int8"),
    "shaderInt64": CORE,
    "shaderFloat64": CORE,
}
CORE_FEATURES = tuple(name for name, spec in FEATURES.items() if spec is CORE)


def _version(v: int) -> str:
    return f"{v >> 22}.{(v >> 12) & 0x3FF}.{v & 0xFFF}"


def create_instance(vk: Any, layers: Iterable[str] = (), extensions: Iterable[str] = (), next_: Any = None) -> Any:
    app = vk.VkApplicationInfo(sType=vk.VK_STRUCTURE_TYPE_APPLICATION_INFO, pApplicationName="gpu_infer",
                               applicationVersion=1, pEngineName="gpu_infer", engineVersion=1,
                               apiVersion=vk.VK_MAKE_VERSION(*API_VERSION))
    layers, extensions = list(layers), list(extensions)
    info = vk.VkInstanceCreateInfo(sType=vk.VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, pNext=next_, pApplicationInfo=app,
                                   enabledLayerCount=len(layers), ppEnabledLayerNames=layers or None,
                                   enabledExtensionCount=len(extensions), ppEnabledExtensionNames=extensions or None)
    return vk.vkCreateInstance(info, None)


def device_extensions(vk: Any, phys: Any) -> set[str]:
    return {e.extensionName for e in vk.vkEnumerateDeviceExtensionProperties(phys, None)}


def askable(extensions: set[str]) -> list[str]:
    """The FEATURES this device can be asked about (and asked for): their extension is present."""
    return [name for name, (_, _, ext) in FEATURES.items() if ext is None or ext in extensions]


def feature_chain(vk: Any, names: Iterable[str], enable: bool = False) -> tuple[Any, dict[str, Any]]:
    """VkPhysicalDeviceFeatures2 linking (through pNext) one struct per feature in `names` (core
    features in its `features` member), and those structs by name. enable=True sets each named
    feature VK_TRUE and nothing else, for vkCreateDevice; otherwise the chain is blank, for
    vkGetPhysicalDeviceFeatures2 to fill."""
    names = list(names)
    structs: dict[str, Any] = {}
    head = None
    for name in [n for n in names if n not in CORE_FEATURES]:
        struct, stype, _ = FEATURES[name]
        fields = {name: vk.VK_TRUE} if enable else {}
        head = structs[name] = getattr(vk, struct)(sType=getattr(vk, stype), pNext=head, **fields)
    core = [n for n in names if n in CORE_FEATURES]
    features2 = vk.VkPhysicalDeviceFeatures2(
        sType=vk.VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, pNext=head,
        features=vk.VkPhysicalDeviceFeatures(**({n: vk.VK_TRUE for n in core} if enable else {})))
    structs.update({n: features2.features for n in core})
    return features2, structs


def query_features(vk: Any, phys: Any, extensions: set[str]) -> dict[str, bool]:
    """Every name of FEATURES -> whether the device has it."""
    features2, structs = feature_chain(vk, askable(extensions))
    vk.vkGetPhysicalDeviceFeatures2(phys, features2)
    structs.update({n: features2.features for n in CORE_FEATURES})
    return {name: bool(getattr(structs[name], name)) if name in structs else False for name in FEATURES}


def max_allocation_bytes(vk: Any, phys: Any) -> int:
    """VkPhysicalDeviceMaintenance3Properties.maxMemoryAllocationSize (core in 1.1)."""
    m3 = vk.VkPhysicalDeviceMaintenance3Properties(
        sType=vk.VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES)
    vk.vkGetPhysicalDeviceProperties2(phys, vk.VkPhysicalDeviceProperties2(
        sType=vk.VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, pNext=m3))
    return int(m3.maxMemoryAllocationSize)


def compute_queue_family(vk: Any, phys: Any) -> int | None:
    for i, q in enumerate(vk.vkGetPhysicalDeviceQueueFamilyProperties(phys)):
        if q.queueFlags & vk.VK_QUEUE_COMPUTE_BIT and q.queueCount > 0:
            return i
    return None


def _describe(vk: Any, phys: Any, index: int) -> DeviceInfo | None:
    props = vk.vkGetPhysicalDeviceProperties(phys)
    family = compute_queue_family(vk, phys)
    if family is None:
        return None
    features = query_features(vk, phys, device_extensions(vk, phys))
    sub = vk.VkPhysicalDeviceSubgroupProperties(sType=vk.VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES)
    vk.vkGetPhysicalDeviceProperties2(phys, vk.VkPhysicalDeviceProperties2(
        sType=vk.VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, pNext=sub))
    lim = props.limits
    mem = vk.vkGetPhysicalDeviceMemoryProperties(phys)
    return DeviceInfo(
        backend="vulkan", name=props.deviceName, vendor=f"0x{props.vendorID:04x}",
        driver=str(props.driverVersion), device_type=_TYPE_NAMES.get(props.deviceType, "OTHER"),
        platform=f"Vulkan {_version(props.apiVersion)}",
        properties={
            "device_index": index, "queue_family": family, "vk_device_type": int(props.deviceType),
            "api_version": _version(props.apiVersion),
            **features,
            "subgroup_size": int(sub.subgroupSize),
            "max_compute_work_group_invocations": int(lim.maxComputeWorkGroupInvocations),
            "max_compute_work_group_size": [int(v) for v in lim.maxComputeWorkGroupSize],
            "max_compute_work_group_count": [int(v) for v in lim.maxComputeWorkGroupCount],
            "max_storage_buffer_range": int(lim.maxStorageBufferRange),
            "max_memory_allocation_size": max_allocation_bytes(vk, phys),
            "min_storage_buffer_offset_alignment": int(lim.minStorageBufferOffsetAlignment),
            "max_push_constants_size": int(lim.maxPushConstantsSize),
            "heap_bytes": [int(mem.memoryHeaps[i].size) for i in range(mem.memoryHeapCount)],
        })


def probe_vulkan() -> BackendStatus:
    try:
        import vulkan as vk
    except OSError as exc:
        return BackendStatus.invalid("vulkan", f"the Vulkan loader libvulkan.so.1 is missing (Debian: "
                                               f"libvulkan1): {exc}")
    except Exception as exc:   # noqa: BLE001
        return BackendStatus.invalid("vulkan", f"the vulkan package cannot be imported: {exc}")
    try:
        instance = create_instance(vk)
    except Exception as exc:   # noqa: BLE001  (VkErrorIncompatibleDriver when no ICD is installed)
        return BackendStatus.invalid("vulkan", f"no Vulkan driver (is an ICD such as mesa-vulkan-drivers "
                                               f"installed?): {type(exc).__name__} {exc}")
    try:
        physical = vk.vkEnumeratePhysicalDevices(instance)
        found = [(d, p) for d, p in ((_describe(vk, p, i), p) for i, p in enumerate(physical)) if d]
    finally:
        vk.vkDestroyInstance(instance, None)
    if not found:
        return BackendStatus.invalid("vulkan", "no Vulkan physical device with a compute queue")
    devices = sorted((d for d, _ in found), key=lambda d: _TYPE_RANK.get(d.properties["vk_device_type"], 9))
    best = devices[0].properties
    s16, f16 = best["storageBuffer16BitAccess"], best["shaderFloat16"]
    precisions = {
        "fp32": Validity(True, "float32 storage buffers and arithmetic"),
        "fp16-storage": Validity(s16, "storageBuffer16BitAccess present, float arithmetic" if s16
                                 else "device lacks storageBuffer16BitAccess (VK_KHR_16bit_storage)"),
        "fp16-arith": Validity(s16 and f16, "shaderFloat16 and 16-bit storage present" if s16 and f16
                               else "device lacks shaderFloat16" if s16 else
                               "device lacks storageBuffer16BitAccess"),
    }
    return BackendStatus("vulkan", True, f"{devices[0].name} ({devices[0].platform})", devices=devices,
                         precisions=precisions)
