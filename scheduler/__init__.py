"""Device capability probing and backend validity (imported as ``gpu_infer.scheduler``).

``probe_all()`` asks every backend's probe once per process and caches the answer.
A missing Python package, ICD or loader yields an invalid status with the reason,
never an exception.
"""
from __future__ import annotations

import functools
import importlib

from .status import PRECISIONS, BackendStatus, DeviceInfo, Validity

BACKEND_ORDER = ("vulkan", "opencl", "cpu")   # "auto" prefers the first valid one


def _cpu_status() -> BackendStatus:
    import numpy as np
    return BackendStatus("cpu", True, f"NumPy {np.__version__} on the host", precisions={
        "fp32": Validity(True, "NumPy float32"),
        "fp16-storage": Validity(False, "the CPU backend computes in the model's own types"),
        "fp16-arith": Validity(False, "the CPU backend computes in the model's own types"),
    })


def _guarded(backend: str, module: str, probe: str) -> BackendStatus:
    try:
        return getattr(importlib.import_module(f"{__name__}.{module}"), probe)()
    except Exception as exc:  # a probe must never crash the caller
        return BackendStatus.invalid(backend, f"probe failed: {type(exc).__name__}: {exc}")


@functools.lru_cache(maxsize=1)
def probe_all() -> dict[str, BackendStatus]:
    return {"vulkan": _guarded("vulkan", "vulkan_probe", "probe_vulkan"),
            "opencl": _guarded("opencl", "opencl_probe", "probe_opencl"),
            "cpu": _cpu_status()}


__all__ = ["PRECISIONS", "BackendStatus", "DeviceInfo", "Validity", "probe_all", "BACKEND_ORDER"]
