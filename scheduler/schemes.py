"""Scheme choice at pre-inference: which algorithm (and work-group size, tile) runs a node.

An execution lists the schemes it can run a node with, each with the cost model's estimate
(`Scheme.cost`, seconds on this device as far as the model knows it), and picks one with
:func:`choose_for` (in ``scratch_bytes`` or ``on_resize``): the one ``gpu-infer bench --tune``
measured fastest for this node on this device when the tuning cache has it, else the cheapest
estimate. Nothing is ever measured at load time.

Keys of the tuning cache (one entry per device, on disk beside the program caches under
``GPU_INFER_CACHE_DIR``, a JSON object op key -> scheme):

- **device key** (:func:`device_key`): the runtime's ``describe()``,
  ``device | vendor | driver | API version`` (OpenCL: ``name | vendor | driver_version |
  version``; Vulkan: ``deviceName | vendor 0x.... | driver N | Vulkan x.y.z``), so another
  device, driver or API version measures again. A backend without a device runtime uses its name.
- **op key** (:func:`op_key`): ``op type | each input's dtype and shape | every attribute
  (arrays by dtype and shape) | fused activation | precision``, e.g.
  ``Conv|float32[1,3,48,192] float32[8,3,3,3] float32[8]|group=1 kernel_shape=[3,3] pads=[1,1,1,1]
  strides=[2,2]|act=Relu|fp32``. Every attribute is in it, not only those a scheme depends
  on: a key too specific only measures more often, one too loose would reuse a wrong choice.

Executions must pick through :func:`choose_for` (or call :func:`choose` with exactly these
keys): the tuner records under them, and ``observing()`` lets it check that a later plan asked
for the keys it recorded.
"""
from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:
    from ..backends.base import Backend, Execution, Tensor
    from ..ir import Node

TUNING_KIND = "tuning"
TUNING_FORMAT = 1            # part of the disk key: bump when op keys or scheme names change meaning


@dataclass(frozen=True)
class Scheme:
    name: str                                  # e.g. "conv.direct", "conv.winograd_f2x2", "gemm.tile4x8"
    params: tuple[tuple[str, Any], ...] = ()   # work-group size, tile sizes ... (hashable)
    cost: float = field(default=0.0, compare=False)   # the cost model's estimate, seconds

    def param(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def describe(self) -> str:
        params = ",".join(f"{k}={v}" for k, v in self.params)
        return f"{self.name}({params})" if params else self.name

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "params": [list(p) for p in self.params]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Scheme":
        return cls(data["name"], tuple((k, _hashable(v)) for k, v in data["params"]))


def _hashable(value: Any) -> Any:
    """JSON gives lists back where a scheme held tuples (a work-group size ...)."""
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


# -- the keys ----------------------------------------------------------------------------------
def device_key(backend: "Backend") -> str:
    """The device part of a tuning-cache key: ``rt.describe()`` (device | vendor | driver |
    version) of a GPU backend, the backend's name otherwise."""
    rt = getattr(backend, "rt", None)
    return rt.describe() if rt is not None else backend.name


def _attr_text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype.name}{list(value.shape)}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_attr_text(v) for v in value) + "]"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return str(value)
    return f"<{type(value).__name__}>"          # a subgraph: no scheme depends on its contents


def op_key(node: "Node", inputs: Sequence["Tensor | None"], precision: str) -> str:
    """The op part of a tuning-cache key: op type, input types and shapes, attributes, fused
    activation, precision (see the module docstring)."""
    ins = " ".join("-" if t is None else f"{np.dtype(t.dtype).name}{list(t.shape)}".replace(" ", "")
                   for t in inputs)
    attrs = " ".join(f"{k}={_attr_text(v)}".replace(" ", "") for k, v in sorted(node.attrs.items()))
    act = node.activation
    act_text = "-" if act is None else act.op_type + "".join(f",{k}={v}" for k, v in sorted(act.attrs.items()))
    return f"{node.op_type}|{ins}|{attrs}|act={act_text}|{precision}"


# -- forcing and observing (the tuner) -----------------------------------------------------------
_local = threading.local()


@contextlib.contextmanager
def forcing(choices: dict[str, Scheme]) -> Iterator[None]:
    """Within the block (this thread), `choose` returns `choices[op_key]` where given (the tuner
    measures each candidate this way)."""
    previous = getattr(_local, "forced", None)
    _local.forced = choices
    try:
        yield
    finally:
        _local.forced = previous


@dataclass(frozen=True)
class Choice:
    """One call of `choose`: what was asked and what it returned, and why."""
    device: str
    op_key: str
    candidates: tuple[Scheme, ...]
    chosen: Scheme
    source: str                     # "forced" | "tuned" | "estimate"


@contextlib.contextmanager
def observing() -> Iterator[list[Choice]]:
    """Within the block (this thread), every `choose` call is appended to the yielded list."""
    previous = getattr(_local, "observed", None)
    seen: list[Choice] = []
    _local.observed = seen
    try:
        yield seen
    finally:
        _local.observed = previous


# -- the tuning cache -------------------------------------------------------------------------------
class TuningCache:
    """Measured choices per (device, op key), kept on disk (one entry per device key)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}   # (folder, device) -> entries

    @staticmethod
    def _store():
        from ..backends.disk_cache import DiskCache
        return DiskCache.of_kind(TUNING_KIND)

    @staticmethod
    def _key(device: str) -> dict[str, Any]:
        return {"device": device, "format": TUNING_FORMAT}

    def _read(self, store, device: str) -> dict[str, dict[str, Any]]:
        payload = store.load(self._key(device))
        try:
            entries = json.loads(payload) if payload else {}
        except (ValueError, UnicodeDecodeError):
            entries = {}
        return entries if isinstance(entries, dict) else {}

    def _entries(self, device: str) -> dict[str, dict[str, Any]]:
        """(Under the lock) what is recorded for `device`, read from disk once per folder."""
        store = self._store()
        slot = (str(store.folder), device)
        if slot not in self._loaded:
            self._loaded[slot] = self._read(store, device)
        return self._loaded[slot]

    def entries(self, device: str) -> dict[str, dict[str, Any]]:
        """Every op key -> scheme (as JSON) recorded for `device`."""
        with self._lock:
            return dict(self._entries(device))

    def lookup(self, device: str, op_key: str) -> Scheme | None:
        with self._lock:
            entry = self._entries(device).get(op_key)
        try:
            return Scheme.from_json(entry) if entry else None
        except (KeyError, TypeError, ValueError):
            return None

    def record(self, device: str, op_key: str, scheme: Scheme) -> None:
        """Store `scheme` for (device, op key), merged into what is on disk now (another
        process may have tuned other keys meanwhile)."""
        store = self._store()
        with self._lock:
            entries = self._read(store, device)
            entries[op_key] = scheme.as_json()
            store.store(self._key(device), json.dumps(entries, sort_keys=True).encode())
            self._loaded[(str(store.folder), device)] = entries


TUNING = TuningCache()


def choose(device: str, op_key: str, candidates: list[Scheme]) -> Scheme:
    """The scheme to run: forced (tuning), else tuned (cache), else the cheapest estimate.
    A tuned choice that is no longer among the candidates is ignored."""
    if not candidates:
        raise ValueError(f"no scheme for {op_key}")
    forced = (getattr(_local, "forced", None) or {}).get(op_key)
    tuned = None if forced in candidates else TUNING.lookup(device, op_key)
    if forced in candidates:
        chosen, source = forced, "forced"
    elif tuned in candidates:
        chosen, source = next(c for c in candidates if c == tuned), "tuned"
    else:
        chosen, source = min(candidates, key=lambda c: c.cost), "estimate"
    observed = getattr(_local, "observed", None)
    if observed is not None:
        observed.append(Choice(device, op_key, tuple(candidates), chosen, source))
    return chosen


def choose_for(execution: "Execution", inputs: Sequence["Tensor | None"], outputs: Sequence["Tensor | None"]
               ) -> Scheme:
    """The scheme `execution` runs its node with: ``choose`` over ``execution.schemes(...)`` with
    the conventional device and op keys."""
    return choose(device_key(execution.backend), op_key(execution.node, inputs, execution.precision),
                  list(execution.schemes(list(inputs), list(outputs))))
