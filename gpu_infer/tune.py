"""`gpu-infer bench --tune`: measure every scheme of every node that has a choice, keep the fastest.

For each node whose execution lists more than one scheme (``Execution.schemes``), the tuner
plans the node alone (its own input shapes, attributes, fused activation, weights and
precision, strict on its backend) once per candidate with ``schemes.forcing``, runs it a few
times with device timing (``device_profile``; host time where the backend has no device
clock) and records the median-fastest candidate in the tuning cache under the conventional
device and op keys (``scheduler/schemes.py``). Nodes with equal op keys are measured once.
A later plan on the same device, driver and shapes picks the recorded scheme without
measuring anything: only this module measures, and only when asked.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from tqdm import tqdm

from .backends.base import Backend
from .ir import Node
from .pipeline.plan import Plan
from .scheduler import schemes
from .scheduler.schemes import Scheme
from .single_node import plan_alone, sample_feeds

REPEATS = 5          # timed runs per candidate (after one untimed)


@dataclass
class Measured:
    scheme: Scheme
    seconds: list[float]                       # one per timed run (device time where there is a clock)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class TuneResult:
    """One op key of one device: the nodes sharing it, every candidate measured, the winner."""
    device: str
    op_key: str
    backend: str
    nodes: list[str]
    estimate: Scheme                           # what the cost model alone picks
    measured: list[Measured] = field(default_factory=list)
    best: Scheme | None = None                 # None: already tuned, not measured again
    clock: str = "device"                      # "device" or "host" (a backend without a device clock)


@dataclass
class _Site:
    """A node of the plan with a choice of schemes, as its plan instance sees it."""
    node: Node
    backend: Backend
    precision: str
    candidates: list[Scheme]
    device: str
    op_key: str


def tunable(plan: Plan) -> list[_Site]:
    """The plan's nodes whose executions list more than one scheme, in execution order."""
    sites = []
    for step in plan.steps:
        ex = step.execution
        if ex is None or step.is_view:
            continue
        candidates = list(ex.schemes(step.inputs, step.outputs))
        if len(candidates) > 1:
            sites.append(_Site(step.node, step.backend, ex.precision, candidates, schemes.device_key(step.backend),
                               schemes.op_key(step.node, step.inputs, ex.precision)))
    return sites


def tune_plan(plan: Plan, repeats: int = REPEATS, retune: bool = False, progress: bool = True) -> list[TuneResult]:
    """Measure and record the fastest scheme of every op key of `plan` that has a choice; keys
    already in the tuning cache are skipped unless `retune`."""
    groups: dict[tuple[str, str], list[_Site]] = {}
    for site in tunable(plan):
        groups.setdefault((site.device, site.op_key), []).append(site)
    results, todo = [], []
    for (device, key), sites in groups.items():
        first = sites[0]
        result = TuneResult(device, key, first.backend.name, [s.node.name for s in sites],
                            min(first.candidates, key=lambda c: c.cost))
        results.append(result)
        if retune or schemes.TUNING.lookup(device, key) not in first.candidates:
            todo.append((result, first))
    bar = tqdm(total=sum(len(site.candidates) for _, site in todo), desc="tuning", unit="scheme",
               disable=not progress or not todo, leave=False)
    try:
        for result, site in todo:
            for scheme in site.candidates:
                seconds, result.clock = _measure(plan, site, scheme, repeats)
                result.measured.append(Measured(scheme, seconds))
                bar.update(1)
            result.best = min(result.measured, key=lambda m: m.median_s).scheme
            schemes.TUNING.record(site.device, site.op_key, result.best)
    finally:
        bar.close()
    return results


def _measure(plan: Plan, site: _Site, scheme: Scheme, repeats: int) -> tuple[list[float], str]:
    """The node alone, planned with `scheme` forced: its step's time over `repeats` runs."""
    with schemes.forcing({site.op_key: scheme}):
        alone = plan_alone(plan.graph, site.node, site.backend, plan.host,
                           pinned_fp32=site.precision != site.backend.precision)
    try:
        feeds = sample_feeds(alone.source)
        alone.profile_device(feeds, each_step=False)           # untimed: first-run costs
        times, clock = [], "device"
        for _ in range(repeats):
            _, run = alone.profile_device(feeds, each_step=False)
            (row,) = [s for s in run.steps if s.node == site.node.name]
            if row.device_s is None:
                clock = "host"
            times.append(row.device_s if row.device_s is not None else row.host_s)
        return times, clock
    finally:
        alone.release()


def check_used(results: Sequence[TuneResult], choices: Sequence[schemes.Choice]) -> list[str]:
    """Problems with the recorded choices as a later plan made them (``schemes.observing``): a
    key that was never asked for means its execution does not choose with the conventional keys."""
    asked = {(c.device, c.op_key): c for c in choices}
    problems = []
    for r in results:
        choice = asked.get((r.device, r.op_key))
        if choice is None:
            problems.append(f"{', '.join(r.nodes)}: the plan never asked for op key {r.op_key!r}; its execution "
                            f"must pick with scheduler.schemes.choose_for")
        elif choice.source != "tuned":
            problems.append(f"{', '.join(r.nodes)}: picked {choice.chosen.describe()} by {choice.source}, "
                            f"not the tuned scheme")
    return problems


def format_tuning(results: Sequence[TuneResult]) -> str:
    if not results:
        return "tuning: no node here lists more than one scheme; nothing to measure"
    lines = []
    for r in results:
        head = f"{r.op_key}  ({len(r.nodes)} node(s): {', '.join(r.nodes[:3])}{' ...' if len(r.nodes) > 3 else ''})"
        if r.best is None:
            lines.append(f"{head}\n    already tuned: {schemes.TUNING.lookup(r.device, r.op_key).describe()}")
            continue
        lines.append(head)
        for m in sorted(r.measured, key=lambda m: m.median_s):
            tags = [t for t, on in (("best", m.scheme == r.best), ("estimate's pick", m.scheme == r.estimate)) if on]
            lines.append(f"    {m.median_s * 1e3:9.3f} ms ({r.clock})  {m.scheme.describe()}"
                         + (f"  <- {', '.join(tags)}" if tags else ""))
    return "\n".join(lines)


def tune_session(session: Any, feeds: dict[str, np.ndarray], repeats: int = REPEATS, retune: bool = False,
                 progress: bool = True) -> list[TuneResult]:
    """Tune the plan an InferenceSession makes for `feeds`' shapes (its first stage, where shapes
    depend on values)."""
    plan, _ = session.plan_for(feeds)
    return tune_plan(plan, repeats, retune, progress)
