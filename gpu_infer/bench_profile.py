"""`gpu-infer bench --profile`: each step's device time next to its host time, and where a run's
wall time goes: device time, the driver's own time around it, our Python, CPU-backend steps.

Profiled runs (``Plan.profile_device``) of two kinds: each step finished on its own gives a
step's host time (enqueue or submit, wait, read-back: what the step costs the caller) and its
device time; the segments as a normal run submits them give the device time of a whole run.
While both and a few normal ``run()`` calls go, a :class:`DriverClock` times the call each run
blocks in (Vulkan: ``submit_and_wait``, i.e. vkQueueSubmit + vkWaitForFences; OpenCL: the queue's
finish), which splits a run's wall time without guesswork: the driver's wait minus the device
time of the same profiled run is the driver's own time (on lavapipe, which executes command
buffers on the CPU, its work between and around the dispatches), and a normal run's wall time
minus its driver wait is the host's (our Python in ``run()``, and CPU-backend steps).
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


PROFILE_RUNS = 5
WAIT_CALLS = {"vulkan": "submit_and_wait", "opencl": "finish"}      # the runtime call a run blocks in
EMPTY_SUBMIT: dict[str, Callable[[Any], None]] = {"vulkan": lambda rt: rt.run_once(lambda cmd: None)}


@dataclass
class StepProfile:
    label: str
    backend: str
    host_ms: float | None           # median, the step run on its own
    device_ms: float | None         # median; None where its backend has no device clock


@dataclass
class RunBreakdown:
    """Medians per run, in ms: device (timestamps), driver_gap (the driver's wait beyond the device
    time, profiled runs), host (a normal run's wall time outside the driver's wait, CPU-backend
    steps excluded), host_steps (CPU-backend steps)."""
    device_ms: float
    host_steps_ms: float            # steps on a backend without a device clock (CPU fallback, host copies)
    wall_ms: float                  # normal runs' wall time
    driver_wait_ms: float           # normal runs' time inside the driver's submit + wait
    driver_gap_ms: float            # profiled runs: the driver's wait minus the device time
    host_ms: float                  # normal runs: wall - driver wait - CPU-backend steps (our Python)
    empty_submit_ms: float | None   # one submit + wait of an empty command buffer (Vulkan)
    steps: list[StepProfile] = field(default_factory=list)


class DriverClock:
    """Times every call of the session's GPU runtimes' blocking call (WAIT_CALLS) while active:
    the call is shadowed by a timing wrapper on the runtime object for the ``with`` block. A
    runtime is shared by the process's sessions, so profile with no other thread running."""

    def __init__(self, session: Any):
        self.calls = [(b.rt, WAIT_CALLS[b.name], b.name) for b in session.backends if b.name in WAIT_CALLS]
        self.seconds = 0.0

    def __enter__(self) -> "DriverClock":
        for rt, call, _ in self.calls:
            setattr(rt, call, self._timed(getattr(rt, call)))
        return self

    def __exit__(self, *exc: object) -> None:
        for rt, call, _ in self.calls:
            vars(rt).pop(call, None)

    def _timed(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0
        return timed

    def take(self) -> float:
        """The seconds counted since the last take."""
        seconds, self.seconds = self.seconds, 0.0
        return seconds

    def empty_submit_s(self, repeats: int = 20) -> float | None:
        """Median submit + wait of an empty command buffer on the first runtime that has one."""
        for rt, _, kind in self.calls:
            submit = EMPTY_SUBMIT.get(kind)
            if submit is not None:
                times = []
                for _ in range(repeats):
                    self.take()
                    submit(rt)
                    times.append(self.take())
                return statistics.median(times)
        return None


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) * 1e3 if known else None


def profile_session(session: Any, feeds: dict[str, np.ndarray], runs: int = PROFILE_RUNS) -> RunBreakdown:
    """Profile the session's plan for `feeds`: `runs` runs of each kind, medians."""
    plan, planned = session.plan_for(feeds)
    plan.profile_device(planned, each_step=False)               # untimed: the profiled variants are made
    per_step: dict[tuple[str, str], tuple[list[float | None], list[float | None]]] = {}
    for _ in range(runs):
        for s in plan.profile_device(planned, each_step=True)[1].steps:
            host, device = per_step.setdefault((s.label, s.backend), ([], []))
            host.append(s.host_s)
            device.append(s.device_s)
    steps = [StepProfile(label, backend, _median(host), _median(device))
             for (label, backend), (host, device) in per_step.items()]
    with DriverClock(session) as clock:
        whole, gaps = [], []
        for _ in range(runs):
            clock.take()
            run = plan.profile_device(planned, each_step=False)[1]
            whole.append(run)
            gaps.append(clock.take() - run.device_s)
        walls, waits = [], []
        for _ in range(runs):
            clock.take()
            t0 = time.perf_counter()
            session.run(None, feeds)
            walls.append(time.perf_counter() - t0)
            waits.append(clock.take())
        empty = clock.empty_submit_s()
    host_steps = statistics.median(r.host_steps_s for r in whole)
    return RunBreakdown(statistics.median(r.device_s for r in whole) * 1e3, host_steps * 1e3,
                        statistics.median(walls) * 1e3,
                        statistics.median(waits) * 1e3, statistics.median(gaps) * 1e3,
                        (statistics.median(w - d for w, d in zip(walls, waits)) - host_steps) * 1e3,
                        empty * 1e3 if empty is not None else None, steps)


def format_profile(backend: str, profile: RunBreakdown, top: int | None = None) -> str:
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
    p = profile
    empty = f"; an empty submit + wait takes {p.empty_submit_ms:.3f} ms" if p.empty_submit_ms is not None else ""
    lines += [f"per run on {backend} (medians):",
              f"  {p.device_ms:10.3f} ms device: the timestamps' sum (kernels and device copies)",
              f"  {p.driver_gap_ms:10.3f} ms driver gaps: submit-to-fence time beyond the device time (the "
              f"driver's own work around and between the commands{empty})",
              f"  {p.host_ms:10.3f} ms host overhead per run: our Python in run() outside the driver's "
              f"submit + wait (feeds checked, inputs written, outputs read)",
              f"  {p.host_steps_ms:10.3f} ms CPU-backend steps",
              f"  {p.wall_ms:10.3f} ms wall of run() (of which {p.driver_wait_ms:.3f} ms in the driver's "
              f"submit + wait)"]
    return "\n".join(lines)
