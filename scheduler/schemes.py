"""Scheme choice at pre-inference: which algorithm (and work-group size, tile) runs a node.

An execution lists the schemes it can run a node with, each with the cost model's estimate
(`Scheme.cost`, seconds on this device as far as the model knows it); `choose` returns the one
`gpu-infer bench --tune` measured fastest for this node on this device, when the tuning cache
has it, else the cheapest estimate. Nothing is measured at load time. The tuning cache lives
on disk beside the program caches (``GPU_INFER_CACHE_DIR``), keyed by device, driver and the
node's op key (op type, shapes, attributes that matter, precision).
"""
from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

TUNING_KIND = "tuning"


@dataclass(frozen=True)
class Scheme:
    name: str                                  # e.g. "conv.direct", "conv.winograd_f2x2", "gemm.tile4x8"
    params: tuple[tuple[str, Any], ...] = ()   # work-group size, tile sizes ... (hashable)
    cost: float = field(default=0.0, compare=False)   # the cost model's estimate, seconds

    def param(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "params": [list(p) for p in self.params]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Scheme":
        return cls(data["name"], tuple((k, v) for k, v in data["params"]))


_forced = threading.local()


@contextlib.contextmanager
def forcing(choices: dict[str, Scheme]) -> Iterator[None]:
    """Within the block, `choose` returns `choices[op_key]` where given (the tuner measures
    each candidate this way)."""
    previous = getattr(_forced, "choices", None)
    _forced.choices = choices
    try:
        yield
    finally:
        _forced.choices = previous


class TuningCache:
    """Measured choices per (device, op key), kept on disk (one entry per device)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[str, dict[str, dict[str, Any]]] = {}

    def _store(self):
        from ..backends.disk_cache import DiskCache
        return DiskCache.of_kind(TUNING_KIND)

    def _entries(self, device: str) -> dict[str, dict[str, Any]]:
        if device not in self._loaded:
            payload = self._store().load({"device": device})
            try:
                entries = json.loads(payload) if payload else {}
                if not isinstance(entries, dict):
                    entries = {}
            except (ValueError, UnicodeDecodeError):
                entries = {}
            self._loaded[device] = entries
        return self._loaded[device]

    def lookup(self, device: str, op_key: str) -> Scheme | None:
        with self._lock:
            entry = self._entries(device).get(op_key)
        try:
            return Scheme.from_json(entry) if entry else None
        except (KeyError, TypeError, ValueError):
            return None

    def record(self, device: str, op_key: str, scheme: Scheme) -> None:
        with self._lock:
            entries = self._entries(device)
            entries[op_key] = scheme.as_json()
            self._store().store({"device": device}, json.dumps(entries, sort_keys=True).encode())


TUNING = TuningCache()


def choose(device: str, op_key: str, candidates: list[Scheme]) -> Scheme:
    """The scheme to run: forced (tuning), else tuned (cache), else the cheapest estimate.
    A tuned choice that is no longer among the candidates is ignored."""
    if not candidates:
        raise ValueError(f"no scheme for {op_key}")
    forced = getattr(_forced, "choices", None)
    if forced and op_key in forced and forced[op_key] in candidates:
        return forced[op_key]
    tuned = TUNING.lookup(device, op_key)
    if tuned is not None and tuned in candidates:
        return next(c for c in candidates if c == tuned)
    return min(candidates, key=lambda c: c.cost)
