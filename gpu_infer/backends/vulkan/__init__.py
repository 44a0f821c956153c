"""Vulkan backend (the `vulkan` cffi package, SPIR-V from spirv_shaders/): Relu, broadcasting Add
and the data-movement ops as region copies."""
from .backend import VulkanBackend
from .registry import VULKAN_REGISTRY

__all__ = ["VulkanBackend", "VULKAN_REGISTRY"]
