"""The backend contract (MNN semantics, contract v2): Backend, Workspace, Execution, Tensor.

Who owns what:

- a device *Runtime* (one per device per process, in each GPU backend's ``runtime.py``):
  context, queues, compiled programs / pipelines and their disk caches, a lock;
- a :class:`Backend` (one per session and backend kind): the session's weights and other
  constants, prepared and uploaded once (``prepare_constant``) and shared by every plan;
- a :class:`Workspace` (one per plan *instance*): the activation arena, execution scratch,
  and whatever a run needs of its own (a queue, command buffers, a fence). A plan is built
  once per input shape; when several threads run it at once, each run takes an instance of
  its own, so no run ever shares memory or bound kernel arguments with another;
- an :class:`Execution` (one per node per plan instance): declares what it supports (dtypes,
  fused activations, tensor formats, scratch), binds arguments in ``on_resize`` and only
  enqueues or records in ``on_execute``.

DESIGN.md puts the memory calls (``on_acquire_buffer`` ...) and ``on_copy_buffer`` on the
Backend; they live on the Workspace here because a session's plans may run on several
threads at once and each run needs memory of its own. MNN's Backend is per pipeline too.

Memory follows MNN's resize protocol: between ``on_resize_begin`` and ``on_resize_end`` the
planner acquires and releases DYNAMIC tensors and execution scratch in execution order; the
workspace assigns offsets in a virtual arena, and ``on_resize_end`` allocates the arena once,
at its high-water mark, and binds every tensor to its slice. Executions' ``on_resize`` runs
after that, with real buffers, so they can bind kernel arguments once.

``on_create`` also receives the input and output tensors (shapes, dtypes, constants), as
MNN's onCreate does, because whether a backend can run a node often depends on them.
"""
from __future__ import annotations

import enum
import math
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Hashable, Sequence

import numpy as np

from ..geometry.layout import packed_shape as nc4hw4_shape
from ..ir import Node


class StorageType(enum.Enum):
    DYNAMIC = "dynamic"                    # planned, slice of the shared arena, reusable
    STATIC = "static"                      # weights and constants: prepared once per session
    DYNAMIC_SEPARATE = "dynamic_separate"  # own buffer, never shared (graph inputs / outputs)


class Layout(str, enum.Enum):
    """How a tensor's elements are ordered in its storage."""
    PLAIN = "plain"        # row-major, the ONNX order
    NC4HW4 = "nc4hw4"      # channels packed by 4: (N, ceil(C/4), *spatial, 4), padding zero


def packed_shape(shape: Sequence[int], layout: Layout) -> tuple[int, ...]:
    """The shape of the storage of a tensor of `shape` in `layout`."""
    return tuple(shape) if layout is Layout.PLAIN else nc4hw4_shape(shape)


@dataclass(frozen=True)
class TensorFormat:
    """What a tensor looks like on a backend: its element type there and its layout."""
    dtype: np.dtype
    layout: Layout = Layout.PLAIN

    def describe(self) -> str:
        return f"{np.dtype(self.dtype).name}/{self.layout.value}"


@dataclass(eq=False)
class Tensor:
    """A tensor as one backend holds it in one plan instance."""
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype                        # the logical (ONNX) element type
    backend: "Backend | None" = None
    storage: StorageType = StorageType.DYNAMIC
    constant: np.ndarray | None = None     # host value of a STATIC tensor
    format: TensorFormat | None = None     # element type and layout on the backend (None: plain dtype)
    view_of: "Tensor | None" = None        # aliases this tensor's storage (Reshape & co.)
    handle: Any = None                     # backend-specific: ndarray, cl.Buffer ref, VkBuffer slice...
    offset: int = 0                        # byte offset inside the workspace's arena (DYNAMIC)
    nbytes_on_device: int = 0              # bytes reserved on the backend

    @property
    def size(self) -> int:
        """Element count, exact (Python ints: no int64 wrap-around for absurd shapes)."""
        return math.prod(int(d) for d in self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(self.dtype).itemsize

    @property
    def fmt(self) -> TensorFormat:
        return self.format or TensorFormat(np.dtype(self.dtype))

    @property
    def store_dtype(self) -> np.dtype:
        return np.dtype(self.fmt.dtype)

    @property
    def layout(self) -> Layout:
        return self.fmt.layout

    @property
    def storage_shape(self) -> tuple[int, ...]:
        return packed_shape(self.shape, self.layout)

    @property
    def storage_nbytes(self) -> int:
        """Bytes of this tensor's storage in its format."""
        return math.prod(self.storage_shape) * self.store_dtype.itemsize

    @property
    def root(self) -> "Tensor":
        """The tensor that owns the storage a view aliases (itself if not a view)."""
        t = self
        while t.view_of is not None:
            t = t.view_of
        return t

    def __repr__(self) -> str:
        where = self.backend.name if self.backend else "-"
        return (f"Tensor({self.name!r}, {self.shape}, {np.dtype(self.dtype).name}, {where}, "
                f"{self.fmt.describe()}, {self.storage.value})")


class Execution(ABC):
    """One node's work on one backend, in one plan instance."""

    #: fused activations (``Node.activation.op_type``) this class runs in its epilogue
    activations: ClassVar[frozenset[str]] = frozenset()
    #: True for Reshape-like ops whose output aliases input 0 (no kernel, no memory)
    is_view: ClassVar[bool] = False

    def __init__(self, backend: "Backend", node: Node, precision: str | None = None):
        self.backend = backend
        self.node = node
        # "fp32" when the node is pinned; no backend when the CPU kernels fold constants
        self.precision = precision or (backend.precision if backend is not None else "fp32")
        self.workspace: Workspace | None = None               # set by the plan instance
        self.plan_id: int | None = None                       # the plan's id, owner of prepared weights
        self.scratch_tensors: list[Tensor] = []               # bound scratch, per scratch_bytes()

    # -- what the class can run ----------------------------------------------
    @classmethod
    def supports(cls, node: Node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> bool:
        """Whether this class can run `node` with these tensors (dtypes, attributes)."""
        return True

    @classmethod
    def refusal(cls, node: Node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> str | None:
        """Why this class cannot run `node` (None: it can). Strict mode's error quotes it."""
        act = node.activation
        if act is not None and act.op_type not in cls.activations:
            have = ", ".join(sorted(cls.activations)) or "none"
            return f"fused {act.op_type} activation not supported (this kernel fuses: {have})"
        if not cls.supports(node, inputs, outputs):
            types = ", ".join(np.dtype(t.dtype).name for t in list(inputs) + list(outputs) if t is not None)
            return f"unsupported here with these attributes or types ({types})"
        return None

    # -- planning ------------------------------------------------------------
    def reads_input(self, index: int) -> bool:
        """Whether the kernel reads input `index` on the device. An input it only needs at
        planning (a constant shape, pads, indices) arrives as a backend-less description
        with its ``constant`` and is never uploaded."""
        return True

    def input_format(self, index: int, tensor: Tensor) -> TensorFormat:
        """The format this execution reads input `index` in (the planner converts to it)."""
        return self.backend.default_format(tensor.dtype, self.precision)

    def output_format(self, index: int, tensor: Tensor) -> TensorFormat:
        """The format this execution writes output `index` in."""
        return self.backend.default_format(tensor.dtype, self.precision)

    def schemes(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> list[Any]:
        """The schemes (``scheduler.schemes.Scheme``) this node can run with here, each with the cost
        model's estimate; empty when there is no choice. ``gpu-infer bench --tune`` measures them."""
        return []

    def scratch_bytes(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> list[int]:
        """Temporary buffers this step needs, in bytes; the planner places them in the arena
        (live only during this step) and binds them to ``self.scratch_tensors`` before on_resize."""
        return []

    def prepare_weight(self, key: Hashable, build: Callable[[], np.ndarray], source: Any, what: str) -> Any:
        """A device handle of weights transformed on the host (packed, Winograd, FP16 ...), built and
        uploaded once per session: `key` names the transform (node, input, scheme, precision), `source`
        is the array it reads (kept alive with the entry). For on_resize."""
        return self.backend.prepare_constant(("weight", self.node.name) + tuple(key) if isinstance(key, tuple)
                                             else ("weight", self.node.name, key), build, self.plan_id,
                                             source=source, what=what)

    def on_resize(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Shapes and buffers are final: choose a scheme, prepare weights, bind arguments."""

    @abstractmethod
    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Enqueue or record the work. No host-side math on a device backend."""

    def on_release(self) -> None:
        """Free what on_resize made (kernel objects, descriptor sets ...)."""


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
        i = 0
        while i < len(blocks) and blocks[i][0] < offset:
            i += 1
        blocks.insert(i, (offset, size))
        if i + 1 < len(blocks) and offset + size == blocks[i + 1][0]:        # merge right
            blocks[i] = (offset, size + blocks.pop(i + 1)[1])
        if i > 0 and blocks[i - 1][0] + blocks[i - 1][1] == offset:           # merge left
            blocks[i - 1] = (blocks[i - 1][0], blocks[i - 1][1] + blocks.pop(i)[1])


@dataclass
class _Constant:
    handle: Any
    nbytes: int
    owners: set[int]
    source: Any            # keeps the array a key's id() refers to alive


class Backend(ABC):
    """A place where executions run, one per session: owns the session's prepared constants."""

    name: ClassVar[str]
    registry: ClassVar[OpRegistry]
    is_host: ClassVar[bool] = False          # True for the CPU backend: its buffers are NumPy arrays

    def __init__(self, precision: str = "fp32"):
        self.precision = precision
        self.lock = threading.RLock()
        self._constants: dict[Hashable, _Constant] = {}
        self.uploads = 0                     # constants prepared (and uploaded) so far
        self.closed = False

    # -- creation ---------------------------------------------------------
    def refusal(self, node: Node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> str | None:
        """Why this backend cannot run `node` (None: it can)."""
        if node.domain not in ("", "ai.onnx"):
            return f"domain '{node.domain}' has no kernels on {self.name}"
        cls = self.registry.get(node.op_type)
        if cls is None:
            return f"no {self.name} kernel for {node.op_type}"
        return cls.refusal(node, inputs, outputs)

    def on_create(self, node: Node, inputs: list[Tensor | None], outputs: list[Tensor | None],
                  precision: str | None = None) -> Execution | None:
        if self.refusal(node, inputs, outputs) is not None:
            return None
        return self.registry.get(node.op_type)(self, node, precision)

    # -- formats ------------------------------------------------------------
    def storage_dtype(self, dtype: np.dtype, precision: str | None = None) -> np.dtype:
        """Element type a tensor of logical `dtype` is stored in: floats follow the precision,
        integers and booleans stay exact."""
        return np.dtype(dtype)

    def default_format(self, dtype: np.dtype, precision: str | None = None) -> TensorFormat:
        return TensorFormat(self.storage_dtype(dtype, precision or self.precision), Layout.PLAIN)

    # -- constants, prepared once per session ---------------------------------
    def prepare_constant(self, key: Hashable, build: Callable[[], np.ndarray], owner: int,
                         source: Any = None, what: str = "a constant") -> Any:
        """The device handle of a constant, built and uploaded the first time `key` is asked for.

        `build` returns the host array already in storage type and layout; `owner` (a plan's
        id) keeps the constant alive until ``release_constants(owner)``. Executions that
        transform weights (packing, Winograd, FP16) key them by node, input, scheme and
        precision, so every plan instance and every input shape shares one upload. `what` names
        it in errors (a device too small for it).
        """
        with self.lock:
            entry = self._constants.get(key)
            if entry is None:
                data = np.asarray(build(), order="C")
                entry = _Constant(self._upload_constant(data, what), data.nbytes, set(), source)
                self._constants[key] = entry
                self.uploads += 1
            entry.owners.add(owner)
            return entry.handle

    def release_constants(self, owner: int) -> None:
        with self.lock:
            for key in [k for k, e in self._constants.items() if owner in e.owners]:
                entry = self._constants[key]
                entry.owners.discard(owner)
                if not entry.owners:
                    del self._constants[key]
                    self._free_constant(entry.handle)

    def constant_bytes(self, owner: int | None = None) -> int:
        with self.lock:
            return sum(e.nbytes for e in self._constants.values() if owner is None or owner in e.owners)

    @abstractmethod
    def _upload_constant(self, data: np.ndarray, what: str) -> Any:
        """A device buffer holding `data` (already in storage type and layout)."""

    def _free_constant(self, handle: Any) -> None:
        """Free a buffer made by _upload_constant (garbage collection suffices by default)."""

    # -- per plan instance ----------------------------------------------------
    @abstractmethod
    def create_workspace(self) -> "Workspace":
        """Memory and run state for one plan instance."""

    def close(self) -> None:
        """Free every constant; the backend refuses further work."""
        with self.lock:
            for entry in self._constants.values():
                self._free_constant(entry.handle)
            self._constants.clear()
            self.closed = True

    def describe(self) -> str:
        return f"{self.name} ({self.precision})"


class Workspace(ABC):
    """One plan instance's memory and run state on one backend."""

    arena_alignment: int = 64

    def __init__(self, backend: Backend):
        self.backend = backend
        self._allocator = OffsetAllocator(self.arena_alignment)
        self._dynamic: list[Tensor] = []
        self.arena_bytes = 0
        self.scratch_bytes = 0               # arena bytes used by execution scratch (high-water)

    # -- memory (MNN's resize protocol) ---------------------------------------
    def on_resize_begin(self) -> None:
        self.on_clear_buffer()

    def on_acquire_buffer(self, tensor: Tensor, storage: StorageType) -> bool:
        tensor.storage = storage
        tensor.nbytes_on_device = tensor.storage_nbytes
        if storage is StorageType.DYNAMIC:
            tensor.offset = self._allocator.alloc(tensor.nbytes_on_device)
            self._dynamic.append(tensor)
        else:
            tensor.handle = self._allocate_separate(tensor)
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
        self.arena_bytes = 0
        self._allocate_arena(0)
        self._free_separate()
        return True

    def on_segments_made(self) -> None:
        """Every segment of the instance is made: last chance to build at pre-inference what
        needs them all (Vulkan: the descriptor pool, then the command buffers)."""

    def scratch_total(self) -> int:
        """Bytes of execution scratch this workspace holds (reported by memory_plan())."""
        return self.scratch_bytes

    def bind_view(self, view: Tensor) -> Any:
        """The handle of a view: the same storage as its root, seen with the view's shape."""
        return view.root.handle

    @abstractmethod
    def _allocate_arena(self, nbytes: int) -> None:
        """(Re)allocate the shared arena; 0 frees it."""

    @abstractmethod
    def _bind_dynamic(self, tensor: Tensor) -> Any:
        """The handle of `tensor`'s slice of the arena (tensor.offset, tensor.nbytes_on_device)."""

    @abstractmethod
    def _allocate_separate(self, tensor: Tensor) -> Any:
        """A buffer of its own for a DYNAMIC_SEPARATE tensor."""

    def _free_separate(self) -> None:
        """Free every buffer _allocate_separate made (garbage collection suffices by default)."""

    # -- data movement and execution ---------------------------------------
    @abstractmethod
    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        """Copy src into dst where one lives on this workspace's backend and the other on the
        host, or both here in different formats (conversion of element type or layout)."""

    def on_execute_begin(self) -> None:
        pass

    def on_execute_end(self) -> None:
        pass

    def make_segment(self, steps: Sequence[Any]) -> Callable[[], None]:
        """One callable running consecutive steps of this backend: executions and copies
        (``pipeline.steps.Step``: ``execution``, ``inputs``, ``outputs``, ``call``).

        Backends that record command buffers override this to record once, here, at
        pre-inference, and return a callable that only submits.
        """
        calls = [step.call for step in steps]

        def segment() -> None:
            self.on_execute_begin()
            for call in calls:
                call()
            self.on_execute_end()
        return segment

    def run_steps(self, steps: Sequence[Any]) -> None:
        """Run these steps now, once, and wait for them (profiling; nothing is kept)."""
        self.on_execute_begin()
        for step in steps:
            step.call()
        self.on_execute_end()

    def release(self) -> None:
        """Free everything this workspace holds."""
        self.on_clear_buffer()
