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
from ..device_profile import RunProfile, time_group
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
        program = [group[0].workspace.make_segment(group) for group in segment_groups(self.steps)]
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

    def profile_device(self, feeds: dict[str, np.ndarray], each_step: bool = True
                       ) -> tuple[list[np.ndarray], RunProfile]:
        """Run once with device timing (device_profile.py), each step finished on its own, or
        (each_step=False) in the segments a normal run submits: the outputs and the times."""
        t0 = time.perf_counter()
        self._feed(feeds)
        groups = [[s] for s in self.steps if not s.is_view] if each_step else segment_groups(self.steps)
        with np.errstate(all="ignore"):
            rows = [row for group in groups for row in time_group(group[0].workspace, group)]
        outputs = [np.array(t.handle, copy=True) for t in self.outputs]
        return outputs, RunProfile(rows, time.perf_counter() - t0)

    def release(self) -> None:
        for execution in self.executions:
            execution.on_release()
        for ws in self.workspaces.values():
            ws.release()
        self.workspaces = {}


def segment_groups(steps: list[Step]) -> list[list[Step]]:
    """Runs of consecutive steps (views excluded) on one workspace: one segment each."""
    groups: list[list[Step]] = []
    for step in steps:
        if step.is_view:
            continue
        if groups and groups[-1][0].workspace is step.workspace:
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups
