"""What the OpenCL and Vulkan backends share: the device runtime interface, storage types per
precision, which tensors their kernels accept, the broadcast table of elementwise kernels,
and the host side of copies (what every backend shares is in common.py)."""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Sequence

import numpy as np

from ..errors import DeviceError
from ..scheduler import BackendStatus
from .base import Backend, Tensor, Workspace
from .common import check_alloc
from .layout import from_storage, to_storage

MAX_RANK = 6                     # kernels index up to 6-D tensors


class GpuRuntime(ABC):
    """One device's shared state, one per device per process (both backends' ``runtime.py``):
    context, queue(s), compiled programs or pipelines, and a lock around what the API wants
    externally synchronised. ``get_runtime(status)`` in each module returns the shared one."""

    name: str                                 # the device's name
    max_buffer_bytes: int                     # the largest buffer (OpenCL) / descriptor range (Vulkan)

    def __init__(self) -> None:
        self.lock = threading.RLock()

    @abstractmethod
    def describe(self) -> str:
        """Device, driver and API version, for reports and cache keys."""


_IEEE_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))


def storage_dtype(dtype: np.dtype, precision: str) -> np.dtype:
    """float16 storage for floats at the fp16 levels; every other type stays exact (ml_dtypes'
    narrow floats too: float8_e5m2 says it is of kind "f", but is stored as its bits)."""
    dtype = np.dtype(dtype)
    if dtype in _IEEE_FLOATS and precision.startswith("fp16"):
        return np.dtype(np.float16)
    return dtype


def float_tensors(tensors: Sequence[Tensor | None]) -> bool:
    """The float kernels take float32 tensors of rank <= MAX_RANK (absent ones are fine)."""
    return all(t is None or (np.dtype(t.dtype) == np.float32 and len(t.shape) <= MAX_RANK)
               for t in tensors)


def broadcast_table(out_shape: Sequence[int], *in_shapes: Sequence[int]) -> np.ndarray:
    """int32 [out dims | strides of each input] over MAX_RANK dims, leading dims padded with 1.

    A stride is 0 on a dimension the input broadcasts along, so a kernel maps an output
    index to each input's element index with one multiply-add per dimension.
    """
    pad = MAX_RANK - len(out_shape)
    table = [1] * pad + [int(d) for d in out_shape]
    for shape in in_shapes:
        dims = [1] * (MAX_RANK - len(shape)) + [int(d) for d in shape]
        strides, step = [0] * MAX_RANK, 1
        for k in range(MAX_RANK - 1, -1, -1):
            strides[k] = 0 if dims[k] == 1 else step
            step *= dims[k]
        table += strides
    return np.array(table, np.int32)


class GpuBackend(Backend):
    """A GPU backend: one per session over the process-wide runtime of its device."""

    def __init__(self, precision: str, runtime: GpuRuntime):
        self.rt = runtime
        super().__init__(precision)

    @property
    def max_buffer_bytes(self) -> int:
        return self.rt.max_buffer_bytes

    def storage_dtype(self, dtype: np.dtype, precision: str | None = None) -> np.dtype:
        return storage_dtype(dtype, precision or self.precision)

    def check_size(self, what: str, nbytes: int) -> None:
        check_alloc(what, nbytes, self.max_buffer_bytes, self.rt.name)

    def describe(self) -> str:
        return f"{self.name} {self.rt.name} ({self.precision})"


class GpuWorkspace(Workspace):
    """The host side of a GPU workspace's copies: logical array <-> storage elements."""

    backend: GpuBackend

    @staticmethod
    def host_to_storage(src: Tensor, dst: Tensor) -> np.ndarray:
        """src's host array as dst's storage elements (element type converted, layout packed)."""
        return to_storage(np.asarray(src.handle).reshape(dst.shape), dst.fmt)

    @staticmethod
    def storage_to_host(data: np.ndarray, src: Tensor, dst: Tensor) -> None:
        """Storage elements of src written into dst's host array (unpacked, converted)."""
        np.copyto(dst.handle, from_storage(data, src.fmt, tuple(src.shape)).reshape(dst.shape), casting="unsafe")

    def same_device_copy(self, src: Tensor, dst: Tensor) -> None:
        raise DeviceError(f"{self.backend.name}: no device-side conversion of '{src.name}' from "
                          f"{src.fmt.describe()} to {dst.fmt.describe()}")

    def refuse_size(self, t: Tensor) -> None:
        self.backend.check_size(f"tensor '{t.name}'", t.storage_nbytes)


def runtime_status_check(status: BackendStatus, api: str) -> None:
    if not status.valid or status.device is None:
        raise DeviceError(f"{api} is invalid here: {status.reason}")


__all__ = ["GpuRuntime", "GpuBackend", "GpuWorkspace", "storage_dtype", "float_tensors", "broadcast_table",
           "MAX_RANK", "runtime_status_check"]
