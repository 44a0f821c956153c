"""gpu_infer: ONNX inference on OpenCL and Vulkan GPUs, MNN-style, with a NumPy CPU fallback."""
from __future__ import annotations

from .errors import (DeviceError, GpuInferError, InputError, ModelLoadError, ShapeInferenceError,
                     UnsupportedOpError)

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy: importing gpu_infer stays cheap and never touches a driver.
    if name == "InferenceSession":
        from .session import InferenceSession
        return InferenceSession
    if name == "list_devices":
        from .devices import list_devices
        return list_devices
    if name == "onnx_backend":
        import importlib
        return importlib.import_module(f"{__name__}.onnx_backend")
    raise AttributeError(name)


__all__ = ["InferenceSession", "list_devices", "onnx_backend", "GpuInferError", "ModelLoadError",
           "UnsupportedOpError", "InputError", "ShapeInferenceError", "DeviceError"]
