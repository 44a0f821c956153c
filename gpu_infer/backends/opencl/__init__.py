"""OpenCL backend (pyopencl). Walking skeleton: Relu and broadcasting Add."""
from .backend import OpenCLBackend
from .registry import OPENCL_REGISTRY

__all__ = ["OpenCLBackend", "OPENCL_REGISTRY"]
