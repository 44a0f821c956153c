"""One instance of a plan: its tensors bound to memory, executions resized, a program to run.

A plan makes its first instance at pre-inference; a run that finds every instance busy
(another thread is running the same plan) gets another one, so concurrent runs never share
arenas, scratch, bound kernel arguments or command buffers.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..backends.base import Execution, Workspace
from .memory import MemoryPlan, bind_constants, memory_report, plan_memory
from .steps import Step, StepBuilder

if TYPE_CHECKING:
    from .plan import Plan


class PlanInstance:
    def __init__(self, plan: "Plan", executions: list[Execution]):
        self.workspaces: dict[int, Workspace] = {id(b): b.create_workspace() for b in plan.backends}
        self.executions = executions
        try:
            builder = StepBuilder(plan.graph, plan.host, self.workspaces)
            self.inputs = builder.add_inputs()
            for placed, execution in zip(plan.placed, executions):
                execution.workspace = self.workspaces[id(placed.backend)]
                execution.plan_id = id(plan)
                builder.add_node(placed.node, placed.backend, execution)
            self.outputs = builder.add_outputs()
            self.steps: list[Step] = builder.steps
            tensors = list(builder.tensors.values())
            bind_constants(tensors, owner=id(plan))
            plan_memory(self.steps, tensors, list(self.inputs.values()) + self.outputs, self.workspaces)
            for step in self.steps:
                if step.execution is not None and not step.is_view:
                    step.execution.on_resize(step.inputs, step.outputs)
            self.memory: MemoryPlan = memory_report(tensors, self.workspaces, owner=id(plan))
            self.program = self._compile()
        except BaseException:
            self.release()
            raise

    def _compile(self) -> list[Callable[[], None]]:
        """Consecutive steps of one workspace become one segment (one submit on Vulkan)."""
        program: list[Callable[[], None]] = []
        group: list[Step] = []
        for step in self.steps:
            if step.is_view:
                continue
            if group and group[0].workspace is not step.workspace:
                program.append(group[0].workspace.make_segment(group))
                group = []
            group.append(step)
        if group:
            program.append(group[0].workspace.make_segment(group))
        for ws in self.workspaces.values():
            ws.on_segments_made()
        return program

    def _feed(self, feeds: dict[str, np.ndarray]) -> None:
        for name, tensor in self.inputs.items():
            np.copyto(tensor.handle, feeds[name], casting="no")

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        self._feed(feeds)
        with np.errstate(all="ignore"):       # inf / NaN are the model's data, as in onnxruntime
            for segment in self.program:
                segment()
        return [np.array(t.handle, copy=True) for t in self.outputs]

    def profile(self, feeds: dict[str, np.ndarray]) -> tuple[list[np.ndarray], list[tuple[str, str, float]]]:
        """Run once step by step, each bracketed and finished on its own: the outputs, and
        (label, backend, seconds) per step."""
        self._feed(feeds)
        times = []
        with np.errstate(all="ignore"):
            for step in self.steps:
                if step.is_view:
                    continue
                t0 = time.perf_counter()
                step.workspace.run_steps([step])
                times.append((step.label, step.backend.name, time.perf_counter() - t0))
        return [np.array(t.handle, copy=True) for t in self.outputs], times

    def release(self) -> None:
        for execution in self.executions:
            execution.on_release()
        for ws in self.workspaces.values():
            ws.release()
        self.workspaces = {}
