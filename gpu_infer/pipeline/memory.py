"""Step 5 of pre-inference: lifetimes -> acquire / release in execution order, scratch included.

Each workspace assigns offsets in a virtual arena while the walk acquires a step's outputs
and scratch and releases what is dead after it; views share their root's storage, which
lives until the last read through any of them. Constants come from the backend's
per-session cache (``Backend.prepare_constant``), uploaded once for every plan.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ..backends.base import StorageType, Tensor, Workspace
from ..backends.layout import to_storage
from .steps import Step


@dataclass
class MemoryPlan:
    planned_bytes: int                     # arenas plus separate buffers actually allocated
    naive_bytes: int                       # one buffer per dynamic tensor, no reuse
    static_bytes: int                      # weights and constants (prepared once per session)
    per_backend: dict[str, dict[str, int]] = field(default_factory=dict)
    scratch_bytes: int = 0                 # kernels' temporaries (inside the arenas, or the CPU's pool)


def constant_key(t: Tensor) -> tuple:
    """A raw constant's cache key: the very array (kept alive by the cache) and its format."""
    return ("constant", t.name, id(t.constant), t.fmt)


def bind_constants(tensors: Iterable[Tensor], owner: int) -> None:
    for t in tensors:
        if t.storage is StorageType.STATIC and t.view_of is None:
            t.handle = t.backend.prepare_constant(constant_key(t), lambda t=t: to_storage(t.constant, t.fmt),
                                                  owner, source=t.constant, what=f"constant '{t.name}'")
            t.nbytes_on_device = t.storage_nbytes


def plan_memory(steps: list[Step], tensors: list[Tensor], kept: list[Tensor],
                workspaces: dict[int, Workspace]) -> None:
    """Acquire and release every dynamic tensor and scratch buffer; allocate the arenas."""
    keep = {id(t.root) for t in kept}
    last_use: dict[int, int] = {}
    for idx, step in enumerate(steps):
        for t in step.inputs:
            if t is not None and t.backend is not None:
                last_use[id(t.root)] = idx
    for ws in workspaces.values():
        ws.on_resize_begin()
    live: set[int] = set()

    def acquire(t: Tensor) -> None:
        if t.view_of is None and t.storage is not StorageType.STATIC and id(t) not in live:
            live.add(id(t))
            storage = StorageType.DYNAMIC_SEPARATE if id(t) in keep else StorageType.DYNAMIC
            workspaces[id(t.backend)].on_acquire_buffer(t, storage)

    for t in kept:
        acquire(t.root)
    for idx, step in enumerate(steps):
        for t in step.outputs:
            if t is not None:
                acquire(t)
        if step.execution is not None and not step.is_view:
            _scratch(step, workspaces[id(step.backend)])
        for t in step.inputs + step.outputs:
            root = t.root if t is not None else None
            if (root is not None and id(root) in live and root.storage is StorageType.DYNAMIC
                    and last_use.get(id(root), idx) <= idx):
                workspaces[id(root.backend)].on_release_buffer(root, StorageType.DYNAMIC)
                live.discard(id(root))          # each tensor is produced once: never re-acquired
    for ws in workspaces.values():
        ws.on_resize_end()
    for t in tensors:                           # in creation order: a view's root is bound first
        if t.view_of is not None:
            t.handle = workspaces[id(t.backend)].bind_view(t)
    for step in steps:
        for s in (step.execution.scratch_tensors if step.execution is not None else ()):
            s.handle = workspaces[id(s.backend)]._bind_dynamic(s)


def _scratch(step: Step, ws: Workspace) -> None:
    """Acquire the step's declared scratch after its outputs and release it at once: it may
    share bytes with anything not live during this step."""
    execution = step.execution
    sizes = execution.scratch_bytes(step.inputs, step.outputs)
    execution.scratch_tensors = [Tensor(f"{step.node.name}:scratch{i}", (int(n),), np.dtype(np.uint8),
                                        step.backend) for i, n in enumerate(sizes)]
    for s in execution.scratch_tensors:
        ws.on_acquire_buffer(s, StorageType.DYNAMIC)
    for s in execution.scratch_tensors:
        ws.on_release_buffer(s, StorageType.DYNAMIC)
    ws.scratch_bytes = max(ws.scratch_bytes, sum(s.nbytes_on_device for s in execution.scratch_tensors))


def memory_report(tensors: list[Tensor], workspaces: dict[int, Workspace], owner: int) -> MemoryPlan:
    per: dict[str, dict[str, int]] = {}
    for ws in workspaces.values():
        b = ws.backend
        mine = [t for t in tensors if t.backend is b and t.view_of is None]
        per[b.name] = {
            "arena_bytes": ws.arena_bytes,
            "separate_bytes": sum(t.nbytes_on_device for t in mine if t.storage is StorageType.DYNAMIC_SEPARATE),
            "naive_bytes": sum(t.storage_nbytes for t in mine if t.storage is not StorageType.STATIC),
            "static_bytes": b.constant_bytes(owner),
            "scratch_bytes": ws.scratch_total(),
        }
    return MemoryPlan(
        planned_bytes=sum(v["arena_bytes"] + v["separate_bytes"] for v in per.values()),
        naive_bytes=sum(v["naive_bytes"] for v in per.values()),
        static_bytes=sum(v["static_bytes"] for v in per.values()),
        per_backend=per, scratch_bytes=sum(v["scratch_bytes"] for v in per.values()))
