"""Device time next to host time: what `gpu-infer bench --profile` and the tuner measure.

A workspace whose backend has a device clock implements :class:`DeviceTimed`: OpenCL reads
its events' timestamps on a queue made with ``PROFILING_ENABLE``, Vulkan writes timestamp
queries around every command of a separately recorded segment. Both are used only by these
profiled runs, so a normal ``run()`` pays nothing for them. Backends without a device clock
(the CPU backend) are timed on the host, step by step.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

from .backends.base import Workspace


@runtime_checkable
class DeviceTimed(Protocol):
    def run_timed(self, steps: Sequence[Any]) -> list[float | None]:
        """Run `steps` once, as one segment of a normal run would, and wait; each step's device
        seconds (None where the device has no clock)."""


@dataclass(frozen=True)
class StepTime:
    label: str                   # the step's label ("Conv:conv1", "copy:x cpu->opencl" ...)
    backend: str
    node: str | None             # the node's name (None for copies)
    host_s: float | None         # host wall time of the step run on its own (None: run inside a segment)
    device_s: float | None       # device time of its commands (None: no device clock on its backend)


@dataclass(frozen=True)
class RunProfile:
    """One profiled run: every step's times and the run's wall time on the host."""
    steps: list[StepTime]
    wall_s: float

    @property
    def device_s(self) -> float:
        """Device time of every step that has one (kernels and copies on the device)."""
        return sum(s.device_s for s in self.steps if s.device_s is not None)

    @property
    def host_steps_s(self) -> float:
        """Host time of the steps without a device clock (CPU-backend nodes, host copies)."""
        return sum(s.host_s for s in self.steps if s.device_s is None and s.host_s is not None)


def time_group(workspace: Workspace, steps: Sequence[Any]) -> list[StepTime]:
    """Run consecutive steps of one workspace once, timed. A device-timed workspace runs them
    as one segment (host time per step only when the group is a single step); any other runs
    and times them one by one on the host."""
    if isinstance(workspace, DeviceTimed):
        t0 = time.perf_counter()
        device = workspace.run_timed(steps)
        wall = time.perf_counter() - t0
        host = [wall] if len(steps) == 1 else [None] * len(steps)
        return [_row(step, h, d) for step, h, d in zip(steps, host, device)]
    rows = []
    for step in steps:
        t0 = time.perf_counter()
        workspace.run_steps([step])
        rows.append(_row(step, time.perf_counter() - t0, None))
    return rows


def _row(step: Any, host_s: float | None, device_s: float | None) -> StepTime:
    return StepTime(step.label, step.backend.name, step.node.name if step.node is not None else None,
                    host_s, device_s)


__all__ = ["DeviceTimed", "StepTime", "RunProfile", "time_group"]
