"""Benchmark one model across backends (and onnxruntime, when installed), in one process."""
from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
from tqdm import tqdm

from .bench_profile import RunBreakdown, format_profile, profile_session
from .errors import GpuInferError
from .scheduler import schemes
from .tune import TuneResult, check_used, format_tuning, tune_session


SETTLE_S = 0.2      # pause at each switch of engine in the timing blocks


@dataclass
class BackendTiming:
    backend: str
    median_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    runs: int = 0
    prepare_s: float | None = None
    nodes_on_backend: int | None = None
    nodes_total: int | None = None
    copies: int | None = None
    planned_bytes: int | None = None
    naive_bytes: int | None = None
    scratch_bytes: int | None = None        # kernels' temporaries, after the timed runs
    max_abs_diff_vs_reference: float | None = None
    per_node_ms: list[tuple[str, str, float]] = field(default_factory=list)
    profile: RunBreakdown | None = None     # --profile: device and host time per step and per run
    host_overhead_ms: float | None = None   # --profile: our Python per run (wall - driver wait - CPU steps)
    tuning: list[TuneResult] | None = None  # --tune: what was measured and recorded
    tuning_problems: list[str] = field(default_factory=list)   # tuned choices the timed session did not use
    error: str | None = None


def time_in_blocks(runners: list[tuple[BackendTiming, Callable[[], Any]]], runs: int, warmup: int,
                    progress: bool, blocks: int = 5) -> None:
    """Time every runner in alternating blocks of back-to-back runs.

    Blocks let a slow phase of a shared machine hit every backend alike (fair ratios from
    one run); runs inside a block are back to back, each engine in its own steady state.
    Each block starts with a pause (onnxruntime's worker threads spin after a run and
    would otherwise tax whoever runs next) and one untimed run.
    """
    for _ in range(warmup):
        for _, fn in runners:
            fn()
    blocks = max(1, min(blocks, runs))
    times: list[list[float]] = [[] for _ in runners]
    bar = tqdm(total=runs * len(runners), desc="timing", disable=not progress or not runners, leave=False)
    for b in range(blocks):
        share = runs // blocks + (1 if b < runs % blocks else 0)
        for k in range(len(runners)):
            i = (k + b) % len(runners)
            fn = runners[i][1]
            if len(runners) > 1:
                time.sleep(SETTLE_S)  # let the previous engine's worker threads stop spinning
            fn()
            for _ in range(share):
                t0 = time.perf_counter()
                fn()
                times[i].append((time.perf_counter() - t0) * 1e3)
            bar.update(share)
    bar.close()
    for (t, _), ts in zip(runners, times):
        _fill(t, ts)


def _fill(t: BackendTiming, times: list[float]) -> None:
    t.median_ms, t.min_ms, t.max_ms, t.runs = statistics.median(times), min(times), max(times), len(times)


def bench_model(model_path: str, feeds: dict[str, np.ndarray], backends: list[str], precision: str,
                runs: int, warmup: int, per_node: bool, with_onnxruntime: bool, progress: bool,
                profile: bool = False, tune: bool = False, retune: bool = False) -> list[BackendTiming]:
    """Time `model_path` on each backend (and onnxruntime). profile: device and host time per
    step and per run; tune: measure every scheme choice first (tune.py), then time the session
    that uses the recorded choices."""
    from .session import InferenceSession
    results: list[BackendTiming] = []
    runners: list[tuple[BackendTiming, Callable[[], Any]]] = []
    sessions: dict[str, Any] = {}
    reference: list[np.ndarray] | None = None
    if with_onnxruntime:
        try:
            import onnxruntime as ort
        except ImportError:
            ort = None
        if ort is not None:
            t = BackendTiming("onnxruntime")
            ort_sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
            reference = ort_sess.run(None, feeds)
            runners.append((t, lambda: ort_sess.run(None, feeds)))
            results.append(t)
    for name in backends:
        t = BackendTiming(name)
        results.append(t)
        try:
            if tune:
                with InferenceSession(model_path, backend=name, precision=precision) as tuner:
                    t.tuning = tune_session(tuner, feeds, retune=retune, progress=progress)
            t0 = time.perf_counter()
            with schemes.observing() as choices:
                sess = InferenceSession(model_path, backend=name, precision=precision)
                out = sess.run(None, feeds)
            t.prepare_s = time.perf_counter() - t0
        except GpuInferError as exc:
            t.error = f"{type(exc).__name__}: {exc}"
            continue
        if t.tuning is not None:
            t.tuning_problems = check_used(t.tuning, choices)
        placement = sess.placement()
        t.nodes_total = len(placement)
        t.nodes_on_backend = sum(1 for _, _, b in placement if b == name)
        t.copies = len(sess.copies())
        mem = sess.memory_plan()
        t.planned_bytes, t.naive_bytes = mem.planned_bytes, mem.naive_bytes
        if reference is not None:
            t.max_abs_diff_vs_reference = float(max(np.max(np.abs(a.astype(np.float64) - b))
                                                    for a, b in zip(out, reference)))
        sessions[name] = sess
        runners.append((t, lambda sess=sess: sess.run(None, feeds)))
    time_in_blocks(runners, runs, warmup, progress)
    for t in results:
        sess = sessions.get(t.backend)
        if sess is None:
            continue
        t.scratch_bytes = sess.memory_plan().scratch_bytes
        if profile:
            t.profile = profile_session(sess, feeds)
            t.host_overhead_ms = t.profile.host_ms
        elif per_node:
            agg: dict[tuple[str, str], list[float]] = defaultdict(list)
            for _ in range(3):
                for label, where, sec in sess.profile(feeds):
                    agg[(label, where)].append(sec * 1e3)
            t.per_node_ms = [(label, where, statistics.median(v)) for (label, where), v in agg.items()]
    return results


def format_results(results: list[BackendTiming], top: int | None = 15) -> str:
    """The comparison table, then per backend the tuning, profile or per-step tables (`top` rows; None: all)."""
    ref = next((r for r in results if r.backend == "onnxruntime" and r.median_ms), None)
    lines = [f"{'backend':12s} {'median ms':>10s} {'min':>9s} {'max':>9s} {'vs ort':>8s} "
             f"{'nodes here':>11s} {'copies':>6s} {'arena MB':>9s} {'naive MB':>9s} {'scratch MB':>10s} "
             f"{'max|diff|':>10s}"]
    for r in results:
        if r.error:
            lines.append(f"{r.backend:12s} error: {r.error}")
            continue
        ratio = f"{r.median_ms / ref.median_ms:7.2f}x" if ref and r is not ref else "       -"
        here = f"{r.nodes_on_backend}/{r.nodes_total}" if r.nodes_total is not None else "-"
        mb = (lambda b: f"{b / 2**20:9.2f}" if b is not None else "        -")
        diff = f"{r.max_abs_diff_vs_reference:10.2e}" if r.max_abs_diff_vs_reference is not None else "         -"
        lines.append(f"{r.backend:12s} {r.median_ms:10.3f} {r.min_ms:9.3f} {r.max_ms:9.3f} {ratio} "
                     f"{here:>11s} {r.copies if r.copies is not None else '-':>6} {mb(r.planned_bytes)} "
                     f"{mb(r.naive_bytes)} {mb(r.scratch_bytes):>10s} {diff}")
    for r in results:
        if r.tuning is not None:
            lines.append(f"\ntuning on {r.backend}:\n" + format_tuning(r.tuning))
            lines += [f"  NOT USED: {p}" for p in r.tuning_problems]
        if r.profile is not None:
            lines.append(format_profile(r.backend, r.profile, top))
        if r.per_node_ms:
            total = sum(ms for _, _, ms in r.per_node_ms)
            shown = sorted(r.per_node_ms, key=lambda x: -x[2])[:top]
            lines.append(f"\nper-step time on {r.backend} (top {len(shown)} of {len(r.per_node_ms)}, "
                         f"sum {total:.2f} ms, each step finished on its own):")
            for label, where, ms in shown:
                lines.append(f"  {ms:9.3f} ms {100 * ms / total:5.1f}%  {where:7s} {label}")
    return "\n".join(lines)


def results_as_dicts(results: list[BackendTiming]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]
