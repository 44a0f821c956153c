"""Plans of one graph, built on demand and cached by input shapes (and the values of the
inputs that decide shapes), least recently used evicted."""
from __future__ import annotations

import collections
import dataclasses
import threading
from typing import Callable

import numpy as np

from ..ir import Graph
from .plan import Plan
from .value_inputs import shape_value_inputs

PLAN_CACHE_SIZE = 8

Builder = Callable[[Graph, dict[str, tuple[int, ...]], "PlanCache"], Plan]


class PlanCache:
    """`build(graph, shapes, cache)` makes a plan; graph inputs that reach a shape operand are
    bound as constants first, so their values are part of the key."""

    def __init__(self, graph: Graph, build: Builder, capacity: int = PLAN_CACHE_SIZE):
        self.graph = graph
        self.value_inputs = shape_value_inputs(graph)
        self._build = build
        self._capacity = capacity
        self._plans: collections.OrderedDict[tuple, Plan] = collections.OrderedDict()
        self._lock = threading.Lock()

    def key(self, arrays: dict[str, np.ndarray]) -> tuple:
        if not self.value_inputs:       # (the session checks feeds into one order: the model's)
            return tuple((k, v.shape) for k, v in arrays.items()), ()
        return (tuple(sorted((k, tuple(v.shape)) for k, v in arrays.items() if k not in self.value_inputs)),
                tuple(sorted((k, v.dtype.str, v.tobytes()) for k, v in arrays.items() if k in self.value_inputs)))

    def plan_for(self, arrays: dict[str, np.ndarray]) -> Plan:
        key = self.key(arrays)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
            plan = self._build(self._bound_graph(arrays), {k: tuple(v.shape) for k, v in arrays.items()
                                                           if k not in self.value_inputs}, self)
            self._plans[key] = plan
            evicted = self._plans.popitem(last=False)[1] if len(self._plans) > self._capacity else None
        if evicted is not None:
            evicted.release()
        return plan

    def _bound_graph(self, arrays: dict[str, np.ndarray]) -> Graph:
        """The graph with value inputs turned into constants and missing input dtypes filled in."""
        graph = self.graph
        untyped = [i for i in graph.inputs if i.dtype is None and i.name in arrays]
        if not self.value_inputs and not untyped:
            return graph
        graph = graph.copy()
        for info in graph.inputs:
            if info.dtype is None and info.name in arrays:
                info.dtype = arrays[info.name].dtype
        values = {k: np.array(v, copy=True) for k, v in arrays.items() if k in self.value_inputs}
        graph.initializers.update(values)
        graph.inputs = [dataclasses.replace(i) for i in graph.inputs if i.name not in values]
        return graph

    def run(self, arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
        plan = self.plan_for(arrays)
        return plan.run({k: v for k, v in arrays.items() if k not in self.value_inputs})

    def latest(self) -> Plan | None:
        with self._lock:
            return next(reversed(self._plans.values()), None)

    def plans(self) -> list[Plan]:
        with self._lock:
            return list(self._plans.values())

    def release_all(self) -> None:
        with self._lock:
            plans, self._plans = list(self._plans.values()), collections.OrderedDict()
        for plan in plans:
            plan.release()
