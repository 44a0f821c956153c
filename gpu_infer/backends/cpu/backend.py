"""The NumPy CPU backend: the fallback for every other backend and the reference they are tested against."""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ...errors import DeviceError
from ...ir import Node
from ..base import Backend, StorageType, Tensor, Workspace
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

    def __init__(self, precision: str = "fp32"):
        super().__init__("fp32")   # the CPU backend always computes in the model's types

    def _upload_constant(self, data: np.ndarray, what: str) -> np.ndarray:
        return data                           # host memory already: shared, never written

    def create_workspace(self) -> "CPUWorkspace":
        return CPUWorkspace(self)


class CPUWorkspace(Workspace):
    """One plan instance's host memory: the activation arena and the kernels' scratch pool."""

    def __init__(self, backend: CPUBackend):
        self._arena = np.zeros(0, np.uint8)
        self.pool = ScratchArena()          # temporaries that CPU kernels size at run time
        super().__init__(backend)

    def scratch_total(self) -> int:
        return self.scratch_bytes + self.pool.high_water

    def on_acquire_buffer(self, tensor: Tensor, storage: StorageType) -> bool:
        check_alloc(f"tensor '{tensor.name}'", tensor.storage_nbytes, host_memory_bytes(), "host memory")
        return super().on_acquire_buffer(tensor, storage)

    def _allocate_arena(self, nbytes: int) -> None:
        try:
            self._arena = np.zeros(nbytes, np.uint8)
        except MemoryError as exc:
            raise DeviceError(f"the CPU activation arena ({nbytes / 2**20:.1f} MiB) does not fit in "
                              f"host memory") from exc

    def _bind_dynamic(self, tensor: Tensor) -> np.ndarray:
        raw = self._arena[tensor.offset: tensor.offset + tensor.storage_nbytes]
        return raw.view(tensor.store_dtype).reshape(tensor.storage_shape)

    def _allocate_separate(self, tensor: Tensor) -> np.ndarray:
        try:
            return np.zeros(tensor.storage_shape, tensor.store_dtype)
        except MemoryError as exc:
            raise DeviceError(f"tensor '{tensor.name}' ({tensor.nbytes / 2**20:.1f} MiB) does not fit in "
                              f"host memory") from exc

    def bind_view(self, view: Tensor) -> np.ndarray:
        return view.root.handle.reshape(view.shape)

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        """Host to host: both handles are NumPy arrays (the CPU stores every tensor plain)."""
        np.copyto(dst.handle, np.asarray(src.handle).reshape(dst.shape), casting="unsafe")

    def on_clear_buffer(self) -> bool:
        self.pool.release()
        return super().on_clear_buffer()


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


__all__ = ["CPUBackend", "CPUWorkspace", "evaluate_node", "host_memory_bytes"]
