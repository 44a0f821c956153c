"""Graphs whose shapes depend on values: split them into stages planned one after another.

A plan needs every tensor's shape. When some depend on values only known at run time (the
output of NonZero, a Reshape whose target is computed from data), the graph is cut:

1. the *first stage*: every node whose inputs and outputs have known shapes, planned now;
2. *host nodes*: value-shaped nodes (NonZero & co.) whose inputs the first stage computes,
   run on the CPU kernels between the stages, outputs of whatever size they turn out;
3. the *rest*: planned when a run reaches it, with the shapes (and, for shape operands,
   the values) of what stages 1 and 2 produced, and cached on those like any plan; it may
   split again.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..frontend.value_shapes import VALUE_SHAPED_OPS, runtime_shape_operands
from ..ir import Graph, Node, TensorInfo


@dataclass
class Stages:
    first: Graph                  # every tensor shape known; its outputs feed what follows
    host_nodes: list[Node]        # run on the CPU kernels between the stages
    rest: Graph | None            # planned at run time; None when the graph is fully static


def _known(g: Graph, name: str) -> bool:
    if name in g.initializers:
        return True
    info = g.value_info.get(name)
    return info is not None and info.is_concrete and info.dtype is not None


def split_stages(g: Graph) -> Stages:
    """Cut a specialized graph (``specialize(..., partial=True)``) where shapes become unknown."""
    available = set(g.initializers) | {i.name for i in g.inputs}
    first: list[Node] = []
    deferred: list[Node] = []
    for node in g.nodes:
        ready = all(not i or i in available for i in node.inputs)
        if ready and all(not o or _known(g, o) for o in node.outputs):
            first.append(node)
            available.update(o for o in node.outputs if o)
        else:
            deferred.append(node)
    if not deferred:
        return Stages(g, [], None)
    host_nodes, rest = [], []
    for node in deferred:
        ready = all(not i or i in available for i in node.inputs)
        # a node waiting only for the values of its shape operands runs in the rest, where they
        # are bound as constants; anything else value-shaped runs on the host in between
        if ready and (node.op_type in VALUE_SHAPED_OPS or not runtime_shape_operands(node, g.initializers)):
            host_nodes.append(node)
        else:
            rest.append(node)
    later_reads = {i for n in host_nodes + rest for i in n.inputs if i} | {o.name for o in g.outputs}
    made_first = {o for n in first for o in n.outputs if o}
    first_graph = dataclasses.replace(
        g, nodes=first, outputs=[_info(g, name) for name in sorted(later_reads & made_first)])
    rest_graph = _rest_graph(g, rest) if rest else None
    return Stages(first_graph, host_nodes, rest_graph)


def _info(g: Graph, name: str) -> TensorInfo:
    info = g.value_info.get(name)
    return TensorInfo(name, info.dtype if info else None, info.shape if info else None)


def _rest_graph(g: Graph, nodes: list[Node]) -> Graph:
    made = {o for n in nodes for o in n.outputs if o}
    reads = [i for n in nodes for i in n.inputs if i] + [o.name for o in g.outputs]
    inputs, seen = [], set()
    for name in reads:
        if name not in made and name not in g.initializers and name not in seen:
            seen.add(name)
            inputs.append(TensorInfo(name, _info(g, name).dtype, None))
    used = set(reads)
    return Graph(nodes=[n.copy() for n in nodes], inputs=inputs,
                 outputs=[TensorInfo(o.name, o.dtype, None) for o in g.outputs if o.name in made],
                 initializers={k: v for k, v in g.initializers.items() if k in used},
                 opsets=dict(g.opsets), name=g.name, metadata=dict(g.metadata))
