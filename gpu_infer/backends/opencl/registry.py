"""The OpenCL backend's op registry: op type -> execution class."""
from __future__ import annotations

from ..base import OpRegistry
from ..views import register_views

OPENCL_REGISTRY = OpRegistry("opencl")
register = OPENCL_REGISTRY.register
register_views(OPENCL_REGISTRY)
