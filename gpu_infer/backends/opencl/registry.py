"""The OpenCL backend's op registry: op type -> execution class."""
from __future__ import annotations

from ..base import OpRegistry

OPENCL_REGISTRY = OpRegistry("opencl")
register = OPENCL_REGISTRY.register
