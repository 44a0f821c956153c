"""gpu_infer: ONNX inference on OpenCL and Vulkan GPUs, MNN-style, with a NumPy CPU fallback.

Also an onnxruntime drop-in: ``import gpu_infer as ort`` runs scripts written for onnxruntime.
"""
from __future__ import annotations

import importlib

from .errors import (DeviceError, GpuInferError, InputError, ModelLoadError, OptionError, ShapeInferenceError,
                     TerminatedError, UnsupportedOpError)

__version__ = "0.1.0"

# Lazy: importing gpu_infer stays cheap and never touches a driver.
_LAZY = {
    "InferenceSession": "session", "NodeArg": "session", "list_devices": "devices", "check": "node_check",
    "SessionOptions": "ort_compat", "RunOptions": "ort_compat", "GraphOptimizationLevel": "ort_compat",
    "ExecutionMode": "ort_compat", "ModelMetadata": "ort_compat", "get_available_providers": "ort_compat",
    "get_all_providers": "ort_compat", "get_device": "ort_compat",
}


def __getattr__(name: str):
    if name == "onnx_backend":
        return importlib.import_module(f"{__name__}.onnx_backend")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'gpu_infer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [*_LAZY, "onnx_backend", "GpuInferError", "ModelLoadError", "UnsupportedOpError", "InputError",
           "ShapeInferenceError", "DeviceError", "OptionError", "TerminatedError", "__version__"]
