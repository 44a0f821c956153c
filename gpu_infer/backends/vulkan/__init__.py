"""Vulkan backend (the `vulkan` cffi package, SPIR-V from spirv_shaders/): Relu, broadcasting Add,
the data-movement ops as region copies, Gather with runtime indices."""
from . import ops as _ops  # noqa: F401  (registers every execution)
from .backend import VulkanBackend
from .registry import VULKAN_REGISTRY

__all__ = ["VulkanBackend", "VULKAN_REGISTRY"]
