"""The package's own exception types: every user-facing failure is one of these.

Some also derive from the built-in exception onnxruntime raises for the same
mistake, so the ``except`` clauses of scripts written for onnxruntime keep
working: a feed with a wrong or missing name is a ``ValueError`` there, as is a
malformed ``providers`` list; an unknown provider type is a ``RuntimeError``.
"""
from __future__ import annotations


class GpuInferError(Exception):
    """Base class of every error gpu_infer raises on purpose."""


class ModelLoadError(GpuInferError):
    """The model is unreadable, truncated, fails onnx.checker, or its external data is unsafe."""


class UnsupportedOpError(GpuInferError):
    """An op (or op attribute) that the chosen backend(s) cannot run; names op type, node and opset."""


class InputError(GpuInferError, ValueError):
    """A feed that does not match the model (wrong or missing name, rank, shape, dtype, a value that
    does not convert), or a command-line input that cannot be read or used."""


class ShapeInferenceError(GpuInferError):
    """A tensor whose shape or dtype could not be determined at pre-inference."""


class DeviceError(GpuInferError, RuntimeError):
    """A backend, provider, device or precision that is unknown or invalid here, or a tensor too
    large for the device."""


class OptionError(GpuInferError, ValueError):
    """A session, run or provider option, or a command-line argument, that is malformed, of the
    wrong type, or contradicts another one."""


class TerminatedError(GpuInferError, RuntimeError):
    """A run refused because its ``RunOptions.terminate`` flag is set."""


class ExecutionError(GpuInferError, RuntimeError):
    """A kernel failed while running; names the node (its own error is chained)."""
