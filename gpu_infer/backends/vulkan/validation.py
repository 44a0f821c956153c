"""The Khronos validation layer, on demand: with GPU_INFER_VK_VALIDATION=1 the runtime's instance
enables VK_LAYER_KHRONOS_validation (synchronization validation included) and a debug-utils
messenger that records every warning and error; tests turn each recorded message into a
failure (``validation_messages()``). Unset, nothing is loaded and nothing costs."""
from __future__ import annotations

import os
import threading
from typing import Any

from ...errors import DeviceError

ENV = "GPU_INFER_VK_VALIDATION"
LAYER = "VK_LAYER_KHRONOS_validation"
DEBUG_UTILS = "VK_EXT_debug_utils"
FEATURES_EXT = "VK_EXT_validation_features"

_messages: list[str] = []
_lock = threading.Lock()


def requested() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def validation_messages() -> list[str]:
    """The validation layer's warnings and errors since the last call (cleared)."""
    with _lock:
        out = list(_messages)
        _messages.clear()
    return out


def _record(severity: int, types: int, data: Any, user: Any) -> int:
    import vulkan as vk
    text = vk.ffi.string(data.pMessage).decode("utf-8", "replace") if data.pMessage else "(no message)"
    with _lock:
        _messages.append(text)
    return vk.VK_FALSE


class Validation:
    """What instance creation needs for the layer, and the messenger made afterwards."""

    def __init__(self, vk: Any):
        self.vk = vk
        layers = {p.layerName for p in vk.vkEnumerateInstanceLayerProperties()}
        if LAYER not in layers:
            raise DeviceError(f"{ENV}=1 asks for the Vulkan validation layer {LAYER}, which is not installed "
                              f"(Debian: apt-get install vulkan-validationlayers)")
        offered = {e.extensionName for e in vk.vkEnumerateInstanceExtensionProperties(LAYER)}
        self.layers = [LAYER]
        self.extensions = [DEBUG_UTILS] + ([FEATURES_EXT] if FEATURES_EXT in offered else [])
        self._info = vk.VkDebugUtilsMessengerCreateInfoEXT(
            sType=vk.VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            messageSeverity=vk.VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT
            | vk.VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
            messageType=vk.VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
            | vk.VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
            | vk.VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
            pfnUserCallback=_record)
        self._sync = [vk.VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT]
        # chained into VkInstanceCreateInfo: messages of vkCreateInstance itself are caught too
        self.instance_next = (vk.VkValidationFeaturesEXT(
            sType=vk.VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT, pNext=self._info, enabledValidationFeatureCount=1,
            pEnabledValidationFeatures=self._sync) if FEATURES_EXT in offered else self._info)
        self.messenger: Any = None

    def attach(self, instance: Any) -> None:
        """Create the messenger that records what the layer says about `instance`'s objects."""
        create = self.vk.vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT")
        self.messenger = create(instance, self._info, None)
