"""Remove nodes whose outputs nobody reads, unused initializers and stale value_info."""
from __future__ import annotations

from ..ir import Graph
from ._graph import output_names, subgraph_refs


def run(graph: Graph) -> bool:
    """One backward sweep: the node list is in topological order, so by the time a node is
    reached every reader of its outputs has been seen."""
    used = output_names(graph) | subgraph_refs(graph)
    keep = []
    for node in reversed(graph.nodes):
        if any(o and o in used for o in node.outputs):
            keep.append(node)
            used.update(i for i in node.inputs if i)
    changed = len(keep) != len(graph.nodes)
    keep.reverse()
    graph.nodes = keep
    for name in [k for k in graph.initializers if k not in used]:
        del graph.initializers[name]
        changed = True
    live = set(graph.iter_tensors()) | output_names(graph)
    for name in [k for k in graph.value_info if k not in live]:
        del graph.value_info[name]
    return changed
