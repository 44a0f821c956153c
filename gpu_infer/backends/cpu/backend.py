"""The NumPy CPU backend: the fallback for every other backend and the reference they are tested against."""
from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from ...ir import Node
from ...errors import DeviceError
from ..base import Backend, StorageType, Tensor
from ..common import check_alloc
from . import ops as _ops  # noqa: F401  (registers every CPU execution)
from .registry import CPU_REGISTRY, NumpyExecution
from .scratch import ScratchArena


def host_memory_bytes() -> int:
    """Physical memory of this machine (0 where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


class CPUBackend(Backend):
    name = "cpu"
    registry = CPU_REGISTRY
    is_host = True
    arena_alignment = 64

    def __init__(self, precision: str = "fp32"):
        self._arena = np.zeros(0, np.uint8)
        self.scratch = ScratchArena()
        super().__init__("fp32")   # the CPU backend always computes in the model's types

    def on_clear_buffer(self) -> bool:
        self.scratch.release()
        return super().on_clear_buffer()

    def scratch_bytes(self) -> int:
        return self.scratch.high_water

    def on_acquire_buffer(self, tensor: Tensor, storage: StorageType) -> bool:
        check_alloc(f"tensor '{tensor.name}'", tensor.nbytes, host_memory_bytes(), "host memory")
        return super().on_acquire_buffer(tensor, storage)

    def _allocate_arena(self, nbytes: int) -> None:
        try:
            self._arena = np.zeros(nbytes, np.uint8)
        except MemoryError as exc:
            raise DeviceError(f"the CPU activation arena ({nbytes / 2**20:.1f} MiB) does not fit in "
                              f"host memory") from exc

    def _bind_dynamic(self, tensor: Tensor) -> Any:
        raw = self._arena[tensor.offset: tensor.offset + tensor.nbytes]
        return raw.view(tensor.dtype).reshape(tensor.shape)

    def _allocate_separate(self, tensor: Tensor) -> Any:
        if tensor.constant is not None:
            return np.ascontiguousarray(tensor.constant, dtype=tensor.dtype).reshape(tensor.shape)
        try:
            return np.zeros(tensor.shape, tensor.dtype)
        except MemoryError as exc:
            raise DeviceError(f"tensor '{tensor.name}' ({tensor.nbytes / 2**20:.1f} MiB) does not fit in "
                              f"host memory") from exc

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        """Host to host: both handles are NumPy arrays."""
        np.copyto(dst.handle, np.asarray(src.handle).reshape(dst.shape), casting="unsafe")


def evaluate_node(node: Node, inputs: Sequence[np.ndarray | None]) -> list[np.ndarray]:
    """Run one node on NumPy arrays with the CPU kernels (constant folding, references)."""
    cls = CPU_REGISTRY.get(node.op_type)
    if cls is None or not issubclass(cls, NumpyExecution):
        raise KeyError(node.op_type)
    with np.errstate(all="ignore"):
        results = cls(None, node).compute(*inputs)  # type: ignore[arg-type]
    if isinstance(results, np.ndarray) or np.isscalar(results):
        results = (results,)
    return [np.asarray(r) for r in results]
