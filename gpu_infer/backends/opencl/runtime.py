"""pyopencl context, queue and program cache for one device."""
from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field
from typing import Any

from ...errors import DeviceError
from ...scheduler import BackendStatus

BUILD_OPTIONS = {"fp32": [], "fp16-storage": ["-DSTORAGE_HALF"], "fp16-arith": ["-DCOMPUTE_HALF"]}


@functools.lru_cache(maxsize=None)
def kernel_source(family: str) -> str:
    return importlib.resources.files("gpu_infer.cl_kernels").joinpath(f"{family}.cl").read_text()


@dataclass
class CLRuntime:
    """The device, its context and in-order queue, and programs built once per (source, options)."""
    cl: Any
    device: Any
    context: Any
    queue: Any
    max_alloc: int
    name: str
    _programs: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)

    def program(self, family: str, options: list[str]) -> Any:
        key = (family, tuple(options))
        if key not in self._programs:
            try:
                self._programs[key] = self.cl.Program(self.context, kernel_source(family)).build(options=list(options))
            except self.cl.Error as exc:
                raise DeviceError(f"OpenCL build of {family}.cl {options} failed on {self.name}: {exc}") from exc
        return self._programs[key]


@functools.lru_cache(maxsize=None)
def runtime_for(platform_index: int, device_index: int) -> CLRuntime:
    """One context per device per process: programs and their binaries are reused by every session."""
    import pyopencl as cl
    device = cl.get_platforms()[platform_index].get_devices()[device_index]
    context = cl.Context([device])
    return CLRuntime(cl, device, context, cl.CommandQueue(context), device.max_mem_alloc_size, device.name.strip())


def runtime_from_status(status: BackendStatus) -> CLRuntime:
    if not status.valid or status.device is None:
        raise DeviceError(f"OpenCL is invalid here: {status.reason}")
    props = status.device.properties
    return runtime_for(props["platform_index"], props["device_index"])
