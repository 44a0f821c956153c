"""The Vulkan backend's op registry: op type -> execution class."""
from __future__ import annotations

from ..base import OpRegistry
from ..views import register_views

VULKAN_REGISTRY = OpRegistry("vulkan")
register = VULKAN_REGISTRY.register
register_views(VULKAN_REGISTRY)
