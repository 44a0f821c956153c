"""The OpenCL runtime: one context per device per process, programs built once per
(source, options) and shared by every session and thread."""
from __future__ import annotations

import functools
import importlib.resources
from typing import Any

from ...errors import DeviceError
from ...scheduler import BackendStatus
from ..gpu_common import GpuRuntime, runtime_status_check

BUILD_OPTIONS = {"fp32": [], "fp16-storage": ["-DSTORAGE_HALF"], "fp16-arith": ["-DCOMPUTE_HALF"]}


@functools.lru_cache(maxsize=None)
def kernel_source(family: str) -> str:
    return importlib.resources.files("gpu_infer.cl_kernels").joinpath(f"{family}.cl").read_text()


class CLRuntime(GpuRuntime):
    """The device, its context, and programs built once per (source, options)."""

    def __init__(self, cl: Any, device: Any):
        super().__init__()
        self.cl = cl
        self.device = device
        self.context = cl.Context([device])
        self.name = device.name.strip()
        self.max_buffer_bytes = int(device.max_mem_alloc_size)
        self._programs: dict[tuple[str, tuple[str, ...]], Any] = {}

    def describe(self) -> str:
        d = self.device
        return f"{self.name} | {d.vendor.strip()} | {d.driver_version.strip()} | {d.version.strip()}"

    def new_queue(self) -> Any:
        """An in-order queue of its own (one per workspace: concurrent runs do not wait on each other)."""
        return self.cl.CommandQueue(self.context, self.device)

    def program(self, family: str, options: list[str]) -> Any:
        key = (family, tuple(options))
        with self.lock:
            if key not in self._programs:
                try:
                    self._programs[key] = self.cl.Program(self.context, kernel_source(family)).build(
                        options=list(options))
                except self.cl.Error as exc:
                    raise DeviceError(f"OpenCL build of {family}.cl {options} failed on {self.name}: {exc}") from exc
            return self._programs[key]


@functools.lru_cache(maxsize=None)
def _runtime(platform_index: int, device_index: int) -> CLRuntime:
    import pyopencl as cl
    return CLRuntime(cl, cl.get_platforms()[platform_index].get_devices()[device_index])


def get_runtime(status: BackendStatus) -> CLRuntime:
    """The process-wide runtime of the device the probe chose."""
    runtime_status_check(status, "OpenCL")
    props = status.device.properties
    return _runtime(props["platform_index"], props["device_index"])
