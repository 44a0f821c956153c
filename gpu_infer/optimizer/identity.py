"""Remove Identity and inference-mode Dropout, rewiring their readers.

Dropout counts as inference mode unless its training_mode input is true or not a constant
(an old is_test=0 attribute is ignored: at inference Dropout is the identity)."""
from __future__ import annotations

from ..ir import Graph, Node
from ._graph import Uses, constant, has_op


def _is_passthrough(uses: Uses, node: Node) -> bool:
    if node.domain:
        return False
    if node.op_type == "Identity":
        return True
    if node.op_type != "Dropout":
        return False
    if len(node.outputs) > 1 and node.outputs[1] and uses.is_read(node.outputs[1]):
        return False                     # the mask is read
    training = node.input(2)
    if training:
        value = constant(uses.graph, training)
        return value is not None and not bool(value)
    return True


def run(graph: Graph) -> bool:
    if not has_op(graph, "Identity", "Dropout"):
        return False
    uses = Uses(graph)
    for node in list(graph.nodes):
        if _is_passthrough(uses, node):
            _bypass(uses, node)
    return uses.commit()


def _bypass(uses: Uses, node: Node) -> None:
    """Remove `node` (y = x), unless y is an output that x cannot become."""
    graph = uses.graph
    x, y = node.inputs[0], node.outputs[0]
    if y in uses.in_subgraphs:
        return
    if y not in uses.outputs:
        uses.rename_reads(y, x)
    elif x in graph.initializers:
        graph.initializers[y] = graph.initializers[x]
    else:
        producer = uses.producer.get(x)
        if producer is None or uses.pinned(x):
            return
        uses.rename_reads(x, y, skip=node)
        uses.replace_output(producer, producer.outputs.index(x), y)
    uses.remove(node)
    graph.value_info.pop(x if y in uses.outputs else y, None)
