"""The NumPy CPU backend: the fallback for every other backend and the reference they are tested against."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...ir import Node
from ..base import Backend, Tensor
from . import ops as _ops  # noqa: F401  (registers every CPU execution)
from .registry import CPU_REGISTRY, NumpyExecution
from .scratch import ScratchArena


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

    def _allocate_arena(self, nbytes: int) -> None:
        self._arena = np.zeros(nbytes, np.uint8)

    def _bind_dynamic(self, tensor: Tensor) -> Any:
        raw = self._arena[tensor.offset: tensor.offset + tensor.nbytes]
        return raw.view(tensor.dtype).reshape(tensor.shape)

    def _allocate_separate(self, tensor: Tensor) -> Any:
        if tensor.constant is not None:
            return np.ascontiguousarray(tensor.constant, dtype=tensor.dtype).reshape(tensor.shape)
        return np.zeros(tensor.shape, tensor.dtype)

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        """Host to host: both handles are NumPy arrays."""
        np.copyto(dst.handle, np.asarray(src.handle).reshape(dst.shape), casting="unsafe")


def evaluate_node(node: Node, inputs: Sequence[np.ndarray | None]) -> list[np.ndarray]:
    """Run one node on NumPy arrays with the CPU kernels (constant folding, references)."""
    cls = CPU_REGISTRY.get(node.op_type)
    if cls is None or not issubclass(cls, NumpyExecution):
        raise KeyError(node.op_type)
    results = cls(None, node).compute(*inputs)  # type: ignore[arg-type]
    if isinstance(results, np.ndarray) or np.isscalar(results):
        results = (results,)
    return [np.asarray(r) for r in results]
