"""Device capability probing and backend validity (imported as ``gpu_infer.scheduler``).

``probe_all()`` asks every backend's probe once per process and caches the answer.
A missing Python package, ICD or loader yields an invalid status with the reason,
never an exception.
"""
from __future__ import annotations

import functools

from .status import PRECISIONS, BackendStatus, DeviceInfo, Validity

BACKEND_ORDER = ("vulkan", "opencl", "cpu")   # "auto" prefers the first valid one


def _cpu_status() -> BackendStatus:
    import numpy as np
    return BackendStatus("cpu", True, f"NumPy {np.__version__} on the host", precisions={
        "fp32": Validity(True, "NumPy float32"),
        "fp16-storage": Validity(False, "the CPU backend computes in the model's own types"),
        "fp16-arith": Validity(False, "the CPU backend computes in the model's own types"),
    })


def _guarded(backend: str, fn) -> BackendStatus:
    try:
        return fn()
    except Exception as exc:  # a probe must never crash the caller
        return BackendStatus.invalid(backend, f"probe failed: {type(exc).__name__}: {exc}")


@functools.lru_cache(maxsize=1)
def probe_all() -> dict[str, BackendStatus]:
    from .opencl_probe import probe_opencl
    from .vulkan_probe import probe_vulkan
    return {"vulkan": _guarded("vulkan", probe_vulkan),
            "opencl": _guarded("opencl", probe_opencl),
            "cpu": _cpu_status()}


__all__ = ["PRECISIONS", "BackendStatus", "DeviceInfo", "Validity", "probe_all", "BACKEND_ORDER"]
