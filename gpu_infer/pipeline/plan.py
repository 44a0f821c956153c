"""Steps 3, 5 and 6 of pre-inference: copy steps, memory plan, executions resized; then the run loop.

A plan is built once per set of input shapes. ``run`` then only writes the
feeds, replays the prepared steps and reads the outputs.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..backends.base import Backend, Execution, StorageType, Tensor
from ..ir import Graph, Node
from .placement import Placed


@dataclass
class Step:
    """One thing the run loop does: execute a node, or copy a tensor across backends."""
    backend: Backend                       # where it runs (for a copy: the device side)
    inputs: list[Tensor | None]
    outputs: list[Tensor | None]
    node: Node | None = None
    execution: Execution | None = None

    @property
    def is_copy(self) -> bool:
        return self.execution is None

    @property
    def label(self) -> str:
        if self.node is not None:
            return f"{self.node.op_type}:{self.node.name}"
        src, dst = self.inputs[0], self.outputs[0]
        return f"copy:{src.name} {src.backend.name}->{dst.backend.name}"


@dataclass
class MemoryPlan:
    planned_bytes: int                     # sum of the arenas actually allocated
    naive_bytes: int                       # one buffer per dynamic tensor, no reuse
    static_bytes: int                      # weights and constants (own buffers)
    per_backend: dict[str, dict[str, int]] = field(default_factory=dict)
    scratch_bytes: int = 0                 # kernels' temporaries, shared by all steps (after a run)


class Plan:
    """Pre-inference result for one set of input shapes."""

    def __init__(self, graph: Graph, placed: list[Placed], host: Backend):
        self.graph = graph
        self.host = host
        self.backends: list[Backend] = []
        for b in [p.backend for p in placed] + [host]:
            if b not in self.backends:
                self.backends.append(b)
        self._tensors: dict[tuple[str, int], Tensor] = {}
        self._home: dict[str, Backend] = {}   # where each dynamic tensor is produced
        self.steps: list[Step] = []
        self.placement: list[tuple[str, str, str]] = [(p.node.name, p.node.op_type, p.backend.name)
                                                       for p in placed]
        self._build_steps(placed)
        self._memory = self._plan_memory()
        for step in self.steps:
            if step.execution is not None:
                step.execution.on_resize(step.inputs, step.outputs)
        self.inputs = {i.name: self._tensors[(i.name, id(host))] for i in graph.inputs}
        self.outputs = [self._tensors[(o.name, id(host))] for o in graph.outputs]
        self._program = self._compile()

    # -- step 3: tensors per backend, copies at every crossing ------------------
    def _tensor(self, name: str, backend: Backend) -> Tensor:
        key = (name, id(backend))
        if key not in self._tensors:
            if name in self.graph.initializers:
                arr = self.graph.initializers[name]
                t = Tensor(name, tuple(arr.shape), arr.dtype, backend, StorageType.STATIC, constant=arr)
            else:
                info = self.graph.value_info[name]
                storage = StorageType.DYNAMIC_SEPARATE if info.dtype == np.dtype(object) else StorageType.DYNAMIC
                t = Tensor(name, tuple(info.shape), info.dtype, backend, storage)
            self._tensors[key] = t
        return self._tensors[key]

    def _on(self, name: str, backend: Backend) -> Tensor:
        """`name` as seen by `backend`, inserting copy steps (via the host for device->device)."""
        if name in self.graph.initializers:
            return self._tensor(name, backend)
        home = self._home[name]
        if home is backend:
            return self._tensor(name, backend)
        key = (name, id(backend))
        if key in self._tensors:
            return self._tensors[key]
        if not home.is_host and not backend.is_host:
            src = self._on(name, self.host)
        else:
            src = self._tensor(name, home)
        dst = self._tensor(name, backend)
        device = backend if not backend.is_host else src.backend
        self.steps.append(Step(device, [src], [dst]))
        return dst

    @property
    def memory(self) -> MemoryPlan:
        """The planned memory, with the scratch the kernels have taken so far."""
        per = {name: dict(v) for name, v in self._memory.per_backend.items()}
        for b in self.backends:
            per[b.name]["scratch_bytes"] = b.scratch_bytes()
        return dataclasses.replace(self._memory, per_backend=per,
                                   scratch_bytes=sum(v["scratch_bytes"] for v in per.values()))

    def _build_steps(self, placed: list[Placed]) -> None:
        for i in self.graph.inputs:
            self._home[i.name] = self.host
            self._tensor(i.name, self.host)
        for p in placed:
            ins = [self._on(n, p.backend) if n else None for n in p.node.inputs]
            outs = []
            for n in p.node.outputs:
                if n:
                    self._home[n] = p.backend
                outs.append(self._tensor(n, p.backend) if n else None)
            self.steps.append(Step(p.backend, ins, outs, p.node, p.execution))
        for o in self.graph.outputs:          # results end on the host
            self._on(o.name, self.host)

    # -- step 5: lifetimes -> acquire / release in execution order -------------
    def _plan_memory(self) -> MemoryPlan:
        host_id = id(self.host)
        kept = [self._tensors[(i.name, host_id)] for i in self.graph.inputs]
        kept += [self._tensors[(o.name, host_id)] for o in self.graph.outputs]
        keep = {id(t) for t in kept}
        last_use: dict[int, int] = {}
        for idx, step in enumerate(self.steps):
            for t in step.inputs:
                if t is not None:
                    last_use[id(t)] = idx
        for b in self.backends:
            b.on_resize_begin()
        acquired: set[int] = set()

        def acquire(t: Tensor) -> None:
            if id(t) not in acquired:
                acquired.add(id(t))
                kept_apart = id(t) in keep and t.storage is not StorageType.STATIC
                storage = StorageType.DYNAMIC_SEPARATE if kept_apart else t.storage
                t.backend.on_acquire_buffer(t, storage)

        for t in self._tensors.values():
            if t.storage is StorageType.STATIC:
                acquire(t)
        for t in kept:
            acquire(t)
        for idx, step in enumerate(self.steps):
            for t in step.outputs:
                if t is not None:
                    acquire(t)
            for t in step.inputs + step.outputs:
                if (t is not None and t.storage is StorageType.DYNAMIC
                        and last_use.get(id(t), idx) == idx and id(t) in acquired):
                    t.backend.on_release_buffer(t, StorageType.DYNAMIC)
                    acquired.discard(id(t))       # each tensor is produced once: never re-acquired
        for b in self.backends:
            b.on_resize_end()
        per: dict[str, dict[str, int]] = {}
        for b in self.backends:
            mine = [t for t in self._tensors.values() if t.backend is b]
            per[b.name] = {
                "arena_bytes": b.arena_bytes,
                "separate_bytes": sum(t.nbytes_on_device for t in mine
                                      if t.storage is StorageType.DYNAMIC_SEPARATE),
                "naive_bytes": sum(t.nbytes_on_device for t in mine if t.storage is not StorageType.STATIC),
                "static_bytes": sum(t.nbytes_on_device for t in mine if t.storage is StorageType.STATIC),
            }
        return MemoryPlan(
            planned_bytes=sum(v["arena_bytes"] + v["separate_bytes"] for v in per.values()),
            naive_bytes=sum(v["naive_bytes"] for v in per.values()),
            static_bytes=sum(v["static_bytes"] for v in per.values()),
            per_backend=per)

    # -- step 6 / run: a flat program of calls ---------------------------------
    def _compile(self) -> list[Callable[[], None]]:
        """Group consecutive executions of one backend between on_execute_begin/end."""
        program: list[Callable[[], None]] = []
        group: list[Step] = []

        def flush() -> None:
            if not group:
                return
            backend, steps = group[0].backend, list(group)

            def segment() -> None:
                backend.on_execute_begin()
                for s in steps:
                    s.execution.on_execute(s.inputs, s.outputs)
                backend.on_execute_end()
            program.append(segment)
            group.clear()

        for step in self.steps:
            if step.is_copy:
                flush()
                program.append(lambda s=step: s.backend.on_copy_buffer(s.inputs[0], s.outputs[0]))
            else:
                if group and group[0].backend is not step.backend:
                    flush()
                group.append(step)
        flush()
        return program

    def _feed(self, feeds: dict[str, np.ndarray]) -> None:
        """Copy feeds into the host input tensors (inputs bound as constants are skipped)."""
        for name, tensor in self.inputs.items():
            np.copyto(tensor.handle, feeds[name], casting="no")

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        self._feed(feeds)
        with np.errstate(all="ignore"):       # inf / NaN are the model's data, as in onnxruntime
            for call in self._program:
                call()
        return [np.array(t.handle, copy=True) for t in self.outputs]

    def profile(self, feeds: dict[str, np.ndarray]) -> list[tuple[str, str, float]]:
        """Run once step by step, each bracketed and finished on its own: (label, backend, seconds)."""
        self._feed(feeds)
        with np.errstate(all="ignore"):
            return self._timed_steps()

    def _timed_steps(self) -> list[tuple[str, str, float]]:
        times = []
        for step in self.steps:
            t0 = time.perf_counter()
            if step.is_copy:
                step.backend.on_copy_buffer(step.inputs[0], step.outputs[0])
            else:
                step.backend.on_execute_begin()
                step.execution.on_execute(step.inputs, step.outputs)
                step.backend.on_execute_end()
            times.append((step.label, step.backend.name, time.perf_counter() - t0))
        return times

    def release(self) -> None:
        for b in self.backends:
            b.on_clear_buffer()
