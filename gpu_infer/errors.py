"""The package's own exception types: every user-facing failure is one of these."""
from __future__ import annotations


class GpuInferError(Exception):
    """Base class of every error gpu_infer raises on purpose."""


class ModelLoadError(GpuInferError):
    """The model is unreadable, truncated, fails onnx.checker, or its external data is unsafe."""


class UnsupportedOpError(GpuInferError):
    """An op (or op attribute) that the chosen backend(s) cannot run; names op type, node and opset."""


class InputError(GpuInferError):
    """A feed that does not match the model: wrong or missing name, rank, shape or dtype."""


class ShapeInferenceError(GpuInferError):
    """A tensor whose shape or dtype could not be determined at pre-inference."""


class DeviceError(GpuInferError):
    """A backend or device that is invalid, or a tensor too large for the device."""


class ExecutionError(GpuInferError, RuntimeError):
    """A kernel failed while running; names the node (its own error is chained)."""
