"""Which backends a session uses, in preference order, and at which precision."""
from __future__ import annotations

from typing import Callable

from ..backends.base import Backend
from ..errors import DeviceError
from ..scheduler import BACKEND_ORDER, BackendStatus, probe_all

BACKEND_NAMES = ("auto", "cpu", "opencl", "vulkan")
PRECISION_NAMES = ("fp32", "fp16", "auto", "fp16-storage", "fp16-arith")


def _factory(name: str) -> Callable[..., Backend]:
    if name == "cpu":
        from ..backends.cpu import CPUBackend
        return CPUBackend
    if name == "opencl":
        from ..backends.opencl import OpenCLBackend
        return OpenCLBackend
    if name == "vulkan":
        from ..backends.vulkan import VulkanBackend
        return VulkanBackend
    raise ValueError(name)


def resolve_backend(requested: str) -> str:
    """'auto' -> the first valid backend in BACKEND_ORDER whose device is a real GPU, else the
    CPU backend: a CPU-emulated device (PoCL, lavapipe) runs slower than NumPy on the same cores."""
    if requested not in BACKEND_NAMES:
        raise DeviceError(f"unknown backend {requested!r}; choose one of {', '.join(BACKEND_NAMES)}")
    statuses = probe_all()
    if requested != "auto":
        st = statuses[requested]
        if not st.valid:
            raise DeviceError(f"backend {requested} is invalid here: {st.reason}")
        return requested
    valid = [n for n in BACKEND_ORDER if statuses[n].valid]
    gpus = [n for n in valid if n != "cpu" and statuses[n].device
            and statuses[n].device.device_type.upper().endswith("GPU")]
    return gpus[0] if gpus else "cpu"


def resolve_precision(status: BackendStatus, requested: str) -> str:
    """Session precision -> a precision level the backend's device has; a level the backend reports
    invalid (`gpu-infer devices`) is a DeviceError with the reason, on every backend.

    fp16 means FP16 storage with FP32 arithmetic (the safe default, DESIGN.md);
    fp16-arith asks for half arithmetic too. auto picks FP16 storage on real GPUs
    and FP32 elsewhere (the CPU backend, and CPU devices such as PoCL and lavapipe, where
    halves save nothing).
    """
    if requested not in PRECISION_NAMES:
        raise DeviceError(f"unknown precision {requested!r}; choose one of {', '.join(PRECISION_NAMES)}")
    if requested == "auto":
        is_gpu = bool(status.device and status.device.device_type.upper().endswith("GPU"))
        return "fp16-storage" if is_gpu and status.precision_valid("fp16-storage") else "fp32"
    level = {"fp32": "fp32", "fp16": "fp16-storage"}.get(requested, requested)
    if not status.precision_valid(level):
        v = status.precisions.get(level)
        raise DeviceError(f"precision {requested} ({level}) is invalid on {status.backend}: "
                          f"{v.reason if v else 'unknown level'}")
    return level


def make_backends(primary: str, precision: str) -> list[Backend]:
    """Fresh backend instances: the primary first, the CPU backend last (the host)."""
    statuses = probe_all()
    if primary == "cpu":
        return [_factory("cpu")()]
    level = resolve_precision(statuses[primary], precision)
    return [_factory(primary)(precision=level, status=statuses[primary]), _factory("cpu")()]
