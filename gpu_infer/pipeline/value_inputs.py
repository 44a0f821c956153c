"""Graph inputs whose *values* decide tensor shapes or what can run (a runtime Reshape target, Reduce axes,
Slice bounds, Resize sizes...). Pre-inference binds them as constants, so a plan is
specialised to their values as well as to the input shapes (MNN re-resizes likewise)."""
from __future__ import annotations

from ..frontend.value_shapes import SHAPE_OPERANDS
from ..ir import Graph

VALUE_BLIND = {"Shape", "Size"}       # depend on their input's shape only


def shape_value_inputs(graph: Graph) -> set[str]:
    """Names of graph inputs that reach a shape operand, directly or through other nodes."""
    producers = graph.producers()
    inputs = {i.name for i in graph.inputs}
    found: set[str] = set()
    seen: set[str] = set()
    stack = [n.input(i) for n in graph.nodes for i in SHAPE_OPERANDS.get(n.op_type, ()) if n.input(i)]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in inputs:
            found.add(name)
        node = producers.get(name)
        if node is not None and node.op_type not in VALUE_BLIND:
            stack.extend(i for i in node.inputs if i)
    return found
