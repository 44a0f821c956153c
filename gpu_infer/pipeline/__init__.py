"""Pre-inference (once per input shapes) and the run loop."""
from __future__ import annotations

from typing import Collection

from ..backends.base import Backend
from ..frontend import specialize
from ..ir import Graph
from ..optimizer import optimize
from .memory import MemoryPlan
from .plan import Plan
from .plan_cache import PlanCache
from .steps import Step


def plan_builder(backends: list[Backend], strict: bool = False, optimize_graph: bool = True,
                 fp32_nodes: Collection[str] = ()):
    """A PlanCache builder: shapes and folding, shape-dependent optimization, placement,
    copies, memory plan, resized executions; value-shaped parts planned in later stages."""
    def build(graph: Graph, shapes: dict[str, tuple[int, ...]], cache: PlanCache | None = None) -> Plan:
        g = specialize(graph, shapes, partial=True)
        if optimize_graph:
            g = optimize(g)
        return Plan(g, backends, strict, fp32_nodes, make_rest=lambda rest: PlanCache(rest, build))
    return build


def prepare(graph: Graph, shapes: dict[str, tuple[int, ...]], backends: list[Backend],
            strict: bool = False, optimize_graph: bool = True, fp32_nodes: Collection[str] = ()) -> Plan:
    """One plan for these input shapes. `backends` is in preference order; the last one is the
    host (the CPU backend)."""
    return plan_builder(backends, strict, optimize_graph, fp32_nodes)(graph, shapes)


__all__ = ["prepare", "plan_builder", "Plan", "PlanCache", "Step", "MemoryPlan"]
