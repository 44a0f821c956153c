"""What the OpenCL and Vulkan backends share: the device runtime interface, storage types per
precision, which tensors their kernels accept, the broadcast table of elementwise kernels,
and the host side of copies (what every backend shares is in common.py)."""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np

from ..errors import DeviceError
from ..scheduler import BackendStatus
from .base import Backend, Execution, Tensor, Workspace
from .common import check_alloc
from .layout import from_storage, to_storage

MAX_RANK = 6                     # kernels index up to 6-D tensors
# fused activations (Node.activation) -> the code both backends' kernels select them by
# (cl_kernels/activation.h, activation_any.h; spirv_shaders/activation.glsl)
ACTIVATION_CODES = {None: 0, "Relu": 1, "Clip": 2, "LeakyRelu": 3, "Sigmoid": 4, "HardSigmoid": 5, "HardSwish": 6}
FUSED = frozenset(k for k in ACTIVATION_CODES if k is not None)


def activation_params(node) -> tuple[int, np.float32, np.float32]:
    """The code and two float parameters of `node`'s fused activation (0, 0, 0: none)."""
    act = node.activation
    if act is None:
        return 0, np.float32(0), np.float32(0)
    a = act.attrs
    params = {"Clip": (a.get("min", -np.inf), a.get("max", np.inf)), "LeakyRelu": (a.get("alpha", 0.01), 0.0),
              "HardSigmoid": (a.get("alpha", 0.2), a.get("beta", 0.5))}.get(act.op_type, (0.0, 0.0))
    return ACTIVATION_CODES[act.op_type], np.float32(params[0]), np.float32(params[1])


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


def prepared_batchnorm(execution: Execution, params: Sequence[Tensor], eps: float, wide: np.dtype) -> Any:
    """BatchNormalization's constant scale, bias, mean, var prepared once per session for both GPU
    backends' kernels: [mean | sqrt(var + eps) | scale | bias] in `wide` (float or double), each
    first rounded as the device holds it. Returns the device handle."""
    def build() -> np.ndarray:
        with np.errstate(over="ignore"):
            scale, bias, mean, var = (t.constant.astype(execution.backend.storage_dtype(t.dtype, execution.precision))
                                      .astype(wide).reshape(-1) for t in params)
        return np.concatenate([mean, np.sqrt(var + wide.type(eps)), scale, bias])
    return execution.prepare_weight(("affine", execution.precision, eps, *(id(t.constant) for t in params)), build,
                                    source=[t.constant for t in params],
                                    what=f"the prepared parameters of {execution.node.describe()}")


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


__all__ = ["ACTIVATION_CODES", "FUSED", "activation_params", "GpuRuntime", "GpuBackend", "GpuWorkspace",
           "storage_dtype", "float_tensors", "broadcast_table",
           "MAX_RANK", "runtime_status_check", "prepared_batchnorm"]
