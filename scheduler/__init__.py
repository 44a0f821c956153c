"""Device capability probing and backend validity (imported as ``gpu_infer.scheduler``).

``probe_all()`` asks every backend's probe once per process and caches the answer.
A missing Python package, ICD or loader yields an invalid status with the reason,
never an exception.
"""
from __future__ import annotations

import functools
import importlib
from typing import Iterator, Mapping

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


_PROBES = {"vulkan": lambda: _guarded("vulkan", "vulkan_probe", "probe_vulkan"),
           "opencl": lambda: _guarded("opencl", "opencl_probe", "probe_opencl"),
           "cpu": _cpu_status}


@functools.lru_cache(maxsize=None)
def probe(backend: str) -> BackendStatus:
    """One backend's status, probed once per process (loading a driver costs ~0.1 s and RSS)."""
    return _PROBES[backend]()


class _Statuses(Mapping[str, BackendStatus]):
    """Every backend's status, each probed on first access: a CPU-only session loads no driver."""

    def __getitem__(self, backend: str) -> BackendStatus:
        if backend not in _PROBES:
            raise KeyError(backend)
        return probe(backend)

    def __iter__(self) -> Iterator[str]:
        return iter(BACKEND_ORDER)

    def __len__(self) -> int:
        return len(BACKEND_ORDER)


def probe_all() -> Mapping[str, BackendStatus]:
    return _Statuses()


__all__ = ["PRECISIONS", "BackendStatus", "DeviceInfo", "Validity", "probe", "probe_all", "BACKEND_ORDER"]
