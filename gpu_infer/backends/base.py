"""The backend contract (MNN semantics): Backend, Execution, Tensor, registries.

A backend creates one Execution per node it can run (``on_create`` returns
None where it cannot, so the pipeline places the node elsewhere, visibly),
owns the memory of the tensors placed on it, and is the only thing that moves
data across its boundary (``on_copy_buffer``).

Memory follows MNN's resize protocol: between ``on_resize_begin`` and
``on_resize_end`` the pipeline acquires and releases DYNAMIC tensors in
execution order; the backend only assigns offsets in a virtual arena then, and
``on_resize_end`` allocates the arena once, at its high-water mark, and binds
every tensor to its slice. Executions' ``on_resize`` runs after that, with
real buffers, so they can bind kernel arguments once.

Deviation from DESIGN.md's sketch: ``on_create`` also receives the input and
output tensors (shapes, dtypes, constants), as MNN's onCreate does, because
whether a backend can run a node often depends on them.
"""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

from ..ir import Node


class StorageType(enum.Enum):
    DYNAMIC = "dynamic"                    # planned, slice of the shared arena, reusable
    STATIC = "static"                      # weights and constants: own buffer, uploaded once
    DYNAMIC_SEPARATE = "dynamic_separate"  # own buffer, never shared (e.g. graph outputs kept)


@dataclass(eq=False)
class Tensor:
    """A tensor as one backend holds it."""
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    backend: "Backend | None" = None
    storage: StorageType = StorageType.DYNAMIC
    constant: np.ndarray | None = None     # host value of a STATIC tensor, kept for on_resize
    handle: Any = None                     # backend-specific: ndarray, cl.Buffer, VkBuffer slice...
    offset: int = 0                        # byte offset inside the backend's arena (DYNAMIC)
    nbytes_on_device: int = 0              # bytes reserved on the backend (precision-dependent)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(self.dtype).itemsize

    def __repr__(self) -> str:
        where = self.backend.name if self.backend else "-"
        return f"Tensor({self.name!r}, {self.shape}, {np.dtype(self.dtype).name}, {where}, {self.storage.value})"


class Execution(ABC):
    """One node's work on one backend."""

    def __init__(self, backend: "Backend", node: Node):
        self.backend = backend
        self.node = node

    @classmethod
    def supports(cls, node: Node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> bool:
        """Whether this class can run `node` with these tensors (dtypes, attributes)."""
        return True

    def on_resize(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Shapes and buffers are final: choose a scheme, allocate scratch, bind arguments."""

    @abstractmethod
    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Enqueue or record the work. No host-side math on a device backend."""


class OpRegistry:
    """Maps op type -> Execution class, one per backend."""

    def __init__(self, backend_name: str):
        self.backend_name = backend_name
        self._table: dict[str, type[Execution]] = {}

    def register(self, *op_types: str) -> Callable[[type[Execution]], type[Execution]]:
        def deco(cls: type[Execution]) -> type[Execution]:
            for op in op_types:
                if op in self._table:
                    raise ValueError(f"{self.backend_name}: {op} registered twice "
                                     f"({self._table[op].__name__}, {cls.__name__})")
                self._table[op] = cls
            return cls
        return deco

    def get(self, op_type: str) -> type[Execution] | None:
        return self._table.get(op_type)

    def op_types(self) -> list[str]:
        return sorted(self._table)

    def __contains__(self, op_type: str) -> bool:
        return op_type in self._table


def align_up(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


class OffsetAllocator:
    """Best-fit offset allocator over a virtual arena; tracks the high-water mark.

    Freed blocks are merged with their neighbours, so a tensor can reuse the
    memory of any set of dead neighbours, like MNN's BufferAllocator.
    """

    def __init__(self, alignment: int = 64):
        self.alignment = alignment
        self.free_blocks: list[tuple[int, int]] = []   # (offset, size), sorted by offset
        self.used: dict[int, int] = {}
        self.high_water = 0

    def alloc(self, nbytes: int) -> int:
        size = align_up(max(nbytes, 1), self.alignment)
        best = None
        for i, (off, sz) in enumerate(self.free_blocks):
            if sz >= size and (best is None or sz < self.free_blocks[best][1]):
                best = i
        if best is not None:
            off, sz = self.free_blocks.pop(best)
            if sz > size:
                self.free_blocks.insert(best, (off + size, sz - size))
        elif self.free_blocks and self.free_blocks[-1][0] + self.free_blocks[-1][1] == self.high_water:
            off, sz = self.free_blocks.pop()             # grow the free tail block
            self.high_water = off + size
        else:
            off = self.high_water
            self.high_water += size
        self.used[off] = size
        return off

    def free(self, offset: int) -> None:
        size = self.used.pop(offset)
        blocks = self.free_blocks
        blocks.append((offset, size))
        blocks.sort()
        merged: list[tuple[int, int]] = []
        for off, sz in blocks:
            if merged and merged[-1][0] + merged[-1][1] == off:
                merged[-1] = (merged[-1][0], merged[-1][1] + sz)
            else:
                merged.append((off, sz))
        self.free_blocks = merged


class Backend(ABC):
    """A place where executions run and tensors live."""

    name: ClassVar[str]
    registry: ClassVar[OpRegistry]
    is_host: ClassVar[bool] = False          # True for the CPU backend: its buffers are NumPy arrays
    arena_alignment: int = 64

    def __init__(self, precision: str = "fp32"):
        self.precision = precision
        self._allocator = OffsetAllocator(self.arena_alignment)
        self._dynamic: list[Tensor] = []
        self._static: list[Tensor] = []
        self.arena_bytes = 0

    # -- creation ---------------------------------------------------------
    def on_create(self, node: Node, inputs: list[Tensor | None],
                  outputs: list[Tensor | None]) -> Execution | None:
        cls = self.registry.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if cls is None or not cls.supports(node, inputs, outputs):
            return None
        return cls(self, node)

    # -- memory -----------------------------------------------------------
    def storage_nbytes(self, tensor: Tensor) -> int:
        """Bytes this backend stores `tensor` in (FP16 storage halves floats)."""
        return tensor.nbytes

    def on_resize_begin(self) -> None:
        self.on_clear_buffer()

    def on_acquire_buffer(self, tensor: Tensor, storage: StorageType) -> bool:
        tensor.backend = self
        tensor.storage = storage
        tensor.nbytes_on_device = self.storage_nbytes(tensor)
        if storage is StorageType.DYNAMIC:
            tensor.offset = self._allocator.alloc(tensor.nbytes_on_device)
            self._dynamic.append(tensor)
        else:
            tensor.handle = self._allocate_separate(tensor)
            self._static.append(tensor)
        return True

    def on_release_buffer(self, tensor: Tensor, storage: StorageType) -> bool:
        if storage is StorageType.DYNAMIC:
            self._allocator.free(tensor.offset)
        return True

    def on_resize_end(self) -> None:
        """Allocate the arena at its high-water mark and bind every dynamic tensor to its slice."""
        self.arena_bytes = self._allocator.high_water
        self._allocate_arena(self.arena_bytes)
        for t in self._dynamic:
            t.handle = self._bind_dynamic(t)

    def on_clear_buffer(self) -> bool:
        self._allocator = OffsetAllocator(self.arena_alignment)
        self._dynamic.clear()
        self._static.clear()
        self.arena_bytes = 0
        self._allocate_arena(0)
        return True

    def static_bytes(self) -> int:
        return sum(t.nbytes_on_device for t in self._static)

    def scratch_bytes(self) -> int:
        """Bytes held for executions' temporaries (known once the plan has run)."""
        return 0

    @abstractmethod
    def _allocate_arena(self, nbytes: int) -> None:
        """(Re)allocate the shared arena; 0 frees it."""

    @abstractmethod
    def _bind_dynamic(self, tensor: Tensor) -> Any:
        """The handle of `tensor`'s slice of the arena (tensor.offset, tensor.nbytes_on_device)."""

    @abstractmethod
    def _allocate_separate(self, tensor: Tensor) -> Any:
        """A buffer of its own for a STATIC / DYNAMIC_SEPARATE tensor; upload tensor.constant if set."""

    # -- data movement and execution ---------------------------------------
    @abstractmethod
    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        """Copy src into dst where either lives on this backend (the other may be host)."""

    def on_execute_begin(self) -> None:
        pass

    def on_execute_end(self) -> None:
        pass

    def describe(self) -> str:
        return f"{self.name} ({self.precision})"
