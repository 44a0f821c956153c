"""A plan: pre-inference done once for one set of input shapes, run by any number of threads.

The plan owns the placement (decided once) and a pool of instances (memory, resized
executions, recorded commands); a run checks an instance out, so concurrent runs of one
plan each get their own. Releasing a plan (cache eviction, session close) while a thread
runs it only marks it: the running instance is freed when its run returns.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..backends.base import Backend
from ..device_profile import RunProfile
from ..errors import GpuInferError, UnsupportedOpError
from ..ir import Graph
from .instance import PlanInstance
from .memory import MemoryPlan
from .placement import Placed, place_nodes
from .stages import split_stages
from .steps import Step

if TYPE_CHECKING:
    from .plan_cache import PlanCache

MAX_INSTANCES = max(4, min(16, os.cpu_count() or 4))   # concurrent runs of one plan; more wait


class Plan:
    """Pre-inference result for one set of input shapes (and values of shape operands)."""

    def __init__(self, graph: Graph, backends: list[Backend], strict: bool, fp32_nodes=(),
                 make_rest: Callable[[Graph], "PlanCache"] | None = None):
        stages = split_stages(graph)
        self.source = graph
        self.graph = stages.first
        self.host = backends[-1]
        self.output_names = [o.name for o in graph.outputs]
        self.host_nodes = stages.host_nodes
        if self.host_nodes and strict and not backends[0].is_host:
            names = "\n".join(f"  - {n.describe()}: its output shape depends on values, so it runs on the "
                              f"CPU between stages" for n in self.host_nodes)
            raise UnsupportedOpError(f"backend {backends[0].name} in strict mode (no fallback) cannot run "
                                     f"{len(self.host_nodes)} node(s):\n{names}")
        self.placed: list[Placed] = place_nodes(self.graph, backends, strict, fp32_nodes)
        self.backends: list[Backend] = []
        for b in [p.backend for p in self.placed] + [self.host]:
            if b not in self.backends:
                self.backends.append(b)
        self._cond = threading.Condition()
        self._idle: list[PlanInstance] = []
        self._live = 0
        self._retired = False
        try:
            first = PlanInstance(self, [p.execution for p in self.placed])
        except BaseException:
            self._release_constants()
            raise
        self._live, self._idle, self._all = 1, [first], [first]
        self.steps: list[Step] = first.steps
        self._memory: MemoryPlan = first.memory
        self.rest: PlanCache | None = None
        if stages.rest is not None:
            if make_rest is None:
                raise GpuInferError("this graph's shapes depend on values; plan it through a PlanCache")
            self.rest = make_rest(stages.rest)

    # -- reports ----------------------------------------------------------------
    @property
    def placement(self) -> list[tuple[str, str, str]]:
        """(node name, op type, backend) of every node; a staged plan adds its host nodes and
        the rest as last planned."""
        rows = [(p.node.name, p.node.op_type, p.backend.name) for p in self.placed]
        rows += [(n.name, n.op_type, self.host.name) for n in self.host_nodes]
        latest = self.rest.latest() if self.rest is not None else None
        return rows + (latest.placement if latest is not None else [])

    @property
    def memory(self) -> MemoryPlan:
        """The planned memory, with the scratch the kernels have taken so far (CPU kernels size
        some of theirs while running)."""
        with self._cond:
            workspaces = [ws for inst in self._all for ws in inst.workspaces.values()]
        per = {name: dict(v) for name, v in self._memory.per_backend.items()}
        for ws in workspaces:
            row = per.get(ws.backend.name)
            if row is not None:
                row["scratch_bytes"] = max(row["scratch_bytes"], ws.scratch_total())
        return dataclasses.replace(self._memory, per_backend=per,
                                   scratch_bytes=sum(v["scratch_bytes"] for v in per.values()))

    @property
    def copy_labels(self) -> list[str]:
        latest = self.rest.latest() if self.rest is not None else None
        return [s.label for s in self.steps if s.is_copy] + (latest.copy_labels if latest else [])

    # -- running ----------------------------------------------------------------
    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        instance = self._checkout()
        try:
            values = instance.run(feeds)
        finally:
            self._checkin(instance)
        if not self.host_nodes and self.rest is None:
            return values
        return self._run_later_stages(feeds, values)

    def profile(self, feeds: dict[str, np.ndarray]) -> tuple[list[np.ndarray], list[tuple[str, str, float]]]:
        """The outputs, and the first stage's steps run one by one: (label, backend, seconds)."""
        values, run = self.profile_device(feeds)
        return values, [(s.label, s.backend, s.host_s) for s in run.steps]

    def profile_device(self, feeds: dict[str, np.ndarray], each_step: bool = True
                       ) -> tuple[list[np.ndarray], RunProfile]:
        """The outputs, and the first stage's steps timed on the host and the device
        (PlanInstance.profile_device); later stages run untimed."""
        instance = self._checkout()
        try:
            values, times = instance.profile_device(feeds, each_step)
        finally:
            self._checkin(instance)
        if self.host_nodes or self.rest is not None:
            values = self._run_later_stages(feeds, values)
        return values, times

    def _run_later_stages(self, feeds: dict[str, np.ndarray], values: list[np.ndarray]) -> list[np.ndarray]:
        from ..backends.cpu import evaluate_node
        env: dict[str, np.ndarray] = dict(self.source.initializers)
        env.update(feeds)
        env.update(zip((o.name for o in self.graph.outputs), values))
        for node in self.host_nodes:
            try:
                results = evaluate_node(node, [env[i] if i else None for i in node.inputs])
            except GpuInferError:
                raise
            except Exception as exc:   # noqa: BLE001  (a kernel's own exception: name the node)
                raise GpuInferError(f"{node.describe()} failed: {type(exc).__name__}: {exc}") from exc
            env.update((name, value) for name, value in zip(node.outputs, results) if name)
        if self.rest is not None:
            names = [i.name for i in self.rest.graph.inputs]
            outs = self.rest.run({n: env[n] for n in names})
            env.update(zip((o.name for o in self.rest.graph.outputs), outs))
        return [np.array(env[name], copy=True) for name in self.output_names]

    # -- the instance pool -----------------------------------------------------
    def _checkout(self) -> PlanInstance:
        with self._cond:
            while not self._idle and self._live >= MAX_INSTANCES:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._live += 1
        try:
            instance = PlanInstance(self, [p.create() for p in self.placed])
            with self._cond:
                self._all.append(instance)
            return instance
        except BaseException:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise

    def _checkin(self, instance: PlanInstance) -> None:
        with self._cond:
            if not self._retired:
                self._idle.append(instance)
                self._cond.notify()
                return
            self._live -= 1
            self._all.remove(instance)
            last = self._live == 0
            self._cond.notify()
        instance.release()
        if last:
            self._release_constants()

    def instances(self) -> int:
        """How many instances exist (busy or idle)."""
        with self._cond:
            return self._live

    def release(self) -> None:
        """Free what is idle now and the rest as runs return; the plan may still be run."""
        with self._cond:
            self._retired = True
            idle, self._idle = self._idle, []
            self._live -= len(idle)
            self._all = [i for i in self._all if i not in idle]
            last = self._live == 0
        for instance in idle:
            instance.release()
        if last:
            self._release_constants()
        if self.rest is not None:
            self.rest.release_all()

    def _release_constants(self) -> None:
        for b in self.backends:
            b.release_constants(id(self))
