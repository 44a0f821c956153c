"""Session profiling as onnxruntime does it: Chrome-trace JSON ("ph": "X" events, microseconds).

While profiling is on, every run executes step by step (each step finished before the next) so each
node's and each copy's time is its own; end_profiling() writes the file and stops.
"""
from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from ..output_files import writing
from .providers import PROVIDERS

if TYPE_CHECKING:
    from ..pipeline.plan import Plan
    from .options import SessionOptions


class Profiler:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self._origin_ns = time.perf_counter_ns()
        self._started = datetime.now()
        self._events: list[dict[str, Any]] = []

    @classmethod
    def if_enabled(cls, options: "SessionOptions") -> "Profiler | None":
        return cls(options.profile_file_prefix) if options.enable_profiling else None

    def session_initialized(self) -> None:
        """Record the session's construction since the profiler's creation (model loading, the
        pre-inference of static input shapes)."""
        self._event("session_initialization", "Session", self._origin_ns, time.perf_counter_ns())

    def run(self, plan: "Plan", feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """One run of `plan`, timed step by step; returns the outputs as Plan.run does."""
        start = time.perf_counter_ns()
        outputs, steps = plan.profile(feeds)
        self._event("model_run", "Session", start, time.perf_counter_ns())
        at = start                                  # steps laid end to end from the run's start
        for label, backend, seconds in steps:
            kind, _, name = label.partition(":")
            end = at + int(seconds * 1e9)
            args = {"op_name": "Copy" if kind == "copy" else kind, "provider": PROVIDERS.get(backend, backend)}
            self._event(label if kind == "copy" else f"{name}_kernel_time", "Node", at, end, args)
            at = end
        return outputs

    def end(self) -> str:
        """Write '<prefix>_<date>_<time>.json' in the working folder; returns its name."""
        stamp = self._started.strftime("%Y-%m-%d_%H-%M-%S") + f"_{self._started.microsecond // 1000:03d}"
        path = f"{self.prefix}_{stamp}.json"
        with writing(path, "SessionOptions.profile_file_prefix"), open(path, "w") as f:
            json.dump(self._events, f)
        return path

    def _event(self, name: str, category: str, start_ns: int, end_ns: int,
               args: dict[str, Any] | None = None) -> None:
        self._events.append({"cat": category, "pid": os.getpid(), "tid": threading.get_native_id(),
                             "dur": (end_ns - start_ns) // 1000, "ts": (start_ns - self._origin_ns) // 1000,
                             "ph": "X", "name": name, "args": args or {}})
