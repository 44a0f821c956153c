"""Vulkan backend (the `vulkan` cffi package, SPIR-V from spirv_shaders/): Relu, broadcasting Add,
the data-movement ops as region copies, Gather with runtime indices."""
from . import gather as _gather  # noqa: F401  (registers Gather)
from .backend import VulkanBackend
from .registry import VULKAN_REGISTRY

__all__ = ["VulkanBackend", "VULKAN_REGISTRY"]
