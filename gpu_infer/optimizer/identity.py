"""Remove Identity and inference-mode Dropout, rewiring their readers.

Dropout counts as inference mode unless its training_mode input is true or not a constant
(an old is_test=0 attribute is ignored: at inference Dropout is the identity)."""
from __future__ import annotations

from ..ir import Graph, Node
from ._graph import constant, output_names, subgraph_refs, used_names


def _is_passthrough(graph: Graph, node: Node, used: set[str]) -> bool:
    if node.domain:
        return False
    if node.op_type == "Identity":
        return True
    if node.op_type != "Dropout":
        return False
    if len(node.outputs) > 1 and node.outputs[1] and node.outputs[1] in used:
        return False                     # the mask is read
    training = node.input(2)
    if training:
        value = constant(graph, training)
        return value is not None and not bool(value)
    return True


def run(graph: Graph) -> bool:
    changed = False
    for node in list(graph.nodes):
        if _is_passthrough(graph, node, used_names(graph)) and _bypass(graph, node):
            changed = True
    return changed


def _bypass(graph: Graph, node: Node) -> bool:
    """Remove `node` (y = x); False where it must stay (y is an output x cannot become)."""
    x, y = node.inputs[0], node.outputs[0]
    outputs = output_names(graph)
    if y in subgraph_refs(graph):
        return False
    if y not in outputs:
        for n in graph.nodes:
            n.inputs = [x if i == y else i for i in n.inputs]
    elif x in graph.initializers:
        graph.initializers[y] = graph.initializers[x]
    else:
        producer = next((n for n in graph.nodes if x in n.outputs), None)
        readers = [n for n in graph.nodes if n is not node and x in n.inputs]
        if producer is None or x in outputs or x in subgraph_refs(graph):
            return False
        producer.outputs = [y if o == x else o for o in producer.outputs]
        for n in readers:
            n.inputs = [y if i == x else i for i in n.inputs]
    graph.nodes.remove(node)
    graph.value_info.pop(x if y in outputs else y, None)
    return True
