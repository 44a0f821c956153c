"""What the probes report: devices found, and per backend and precision, valid or not and why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Precision levels (DESIGN.md): FP32; FP16 storage with FP32 arithmetic; FP16 storage and arithmetic.
PRECISIONS = ("fp32", "fp16-storage", "fp16-arith")


@dataclass
class Validity:
    valid: bool
    reason: str          # why invalid, or what makes it valid

    def __str__(self) -> str:
        return ("valid" if self.valid else "INVALID") + f" ({self.reason})"


@dataclass
class DeviceInfo:
    backend: str                     # "opencl" | "vulkan"
    name: str
    vendor: str = ""
    driver: str = ""
    device_type: str = ""            # "GPU", "CPU", ...
    platform: str = ""               # OpenCL platform name / Vulkan API version
    properties: dict[str, Any] = field(default_factory=dict)   # compute units, limits, features, extensions


@dataclass
class BackendStatus:
    backend: str                     # "cpu" | "opencl" | "vulkan"
    valid: bool
    reason: str
    devices: list[DeviceInfo] = field(default_factory=list)
    precisions: dict[str, Validity] = field(default_factory=dict)   # keys from PRECISIONS

    @property
    def device(self) -> DeviceInfo | None:
        """The device the backend will use (the first, best-ranked one)."""
        return self.devices[0] if self.devices else None

    def precision_valid(self, level: str) -> bool:
        v = self.precisions.get(level)
        return bool(self.valid and v and v.valid)

    @classmethod
    def invalid(cls, backend: str, reason: str) -> "BackendStatus":
        return cls(backend, False, reason,
                   precisions={p: Validity(False, reason) for p in PRECISIONS})
