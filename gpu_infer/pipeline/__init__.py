"""Pre-inference (once per input shapes) and the run loop."""
from __future__ import annotations

from ..backends.base import Backend
from ..frontend import specialize
from ..ir import Graph
from ..optimizer import optimize
from .placement import place_nodes
from .plan import MemoryPlan, Plan, Step


def prepare(graph: Graph, shapes: dict[str, tuple[int, ...]], backends: list[Backend],
            strict: bool = False, optimize_graph: bool = True) -> Plan:
    """Shapes and folding, optimization, placement, copies, memory plan, resized executions.

    `backends` is in preference order; the last one is the host (the CPU backend).
    """
    graph = specialize(graph, shapes)
    if optimize_graph:
        graph = optimize(graph)
    return Plan(graph, place_nodes(graph, backends, strict), host=backends[-1])


__all__ = ["prepare", "Plan", "Step", "MemoryPlan"]
