"""`gpu-infer bench --profile`: each step's device time next to its host time, and where a run's
wall time goes (device, CPU-backend steps, host overhead).

Two kinds of profiled runs (``Plan.profile_device``): each step finished on its own gives a
step's host time (enqueue or submit, wait, read-back: what the step costs the caller) and its
device time; the segments as a normal run submits them give the device time of a whole run,
which the normal runs' wall time is compared with.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np


PROFILE_RUNS = 5


@dataclass
class StepProfile:
    label: str
    backend: str
    host_ms: float | None           # median, the step run on its own
    device_ms: float | None         # median; None where its backend has no device clock


@dataclass
class RunBreakdown:
    """Medians over the profiled runs; host overhead = wall - device - CPU-backend steps."""
    device_ms: float
    host_steps_ms: float            # steps on a backend without a device clock (CPU fallback, host copies)
    profiled_wall_ms: float         # the profiled runs' own wall time (timestamps read back included)
    steps: list[StepProfile] = field(default_factory=list)

    def host_overhead_ms(self, wall_ms: float) -> float:
        return wall_ms - self.device_ms - self.host_steps_ms


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) * 1e3 if known else None


def profile_session(session: Any, feeds: dict[str, np.ndarray], runs: int = PROFILE_RUNS) -> RunBreakdown:
    """Profile the session's plan for `feeds`: `runs` runs of each kind, medians."""
    plan, feeds = session.plan_for(feeds)
    plan.profile_device(feeds, each_step=False)                 # untimed: the profiled variants are made
    per_step: dict[tuple[str, str], tuple[list[float | None], list[float | None]]] = {}
    for _ in range(runs):
        for s in plan.profile_device(feeds, each_step=True)[1].steps:
            host, device = per_step.setdefault((s.label, s.backend), ([], []))
            host.append(s.host_s)
            device.append(s.device_s)
    whole = [plan.profile_device(feeds, each_step=False)[1] for _ in range(runs)]
    steps = [StepProfile(label, backend, _median(host), _median(device))
             for (label, backend), (host, device) in per_step.items()]
    return RunBreakdown(statistics.median(r.device_s for r in whole) * 1e3,
                        statistics.median(r.host_steps_s for r in whole) * 1e3,
                        statistics.median(r.wall_s for r in whole) * 1e3, steps)


def format_profile(backend: str, profile: RunBreakdown, wall_ms: float | None, top: int | None = None) -> str:
    """The per-step table (slowest first) and the per-run breakdown."""
    def ms(v: float | None) -> str:
        return f"{v:9.3f}" if v is not None else "        -"

    def spent(s: StepProfile) -> float:
        return s.device_ms if s.device_ms is not None else (s.host_ms or 0.0)
    total = sum(spent(s) for s in profile.steps) or 1.0
    rows = sorted(profile.steps, key=spent, reverse=True)
    shown = rows if top is None else rows[:top]
    lines = [f"\nprofile on {backend} ({len(shown)} of {len(rows)} steps, slowest first; host: the step run on "
             f"its own; %: of the steps' time, device where there is one):",
             f"  {'host ms':>9s} {'device ms':>9s} {'%':>6s}  {'backend':7s} step"]
    for s in shown:
        lines.append(f"  {ms(s.host_ms)} {ms(s.device_ms)} {100 * spent(s) / total:5.1f}%  {s.backend:7s} {s.label}")
    lines.append(f"per run on {backend}: device {profile.device_ms:.3f} ms (kernels and device copies), "
                 f"CPU-backend steps {profile.host_steps_ms:.3f} ms")
    if wall_ms is not None:
        lines.append(f"  wall {wall_ms:.3f} ms (median of the timed runs) -> host overhead per run "
                     f"{profile.host_overhead_ms(wall_ms):.3f} ms (wall - device - CPU-backend steps)")
    return "\n".join(lines)
