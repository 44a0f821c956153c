"""Remove nodes whose outputs nobody reads, unused initializers and stale value_info."""
from __future__ import annotations

from ..ir import Graph
from ._graph import used_names


def run(graph: Graph) -> bool:
    changed = False
    while True:
        used = used_names(graph)
        keep = [n for n in graph.nodes if any(o and o in used for o in n.outputs)]
        if len(keep) == len(graph.nodes):
            break
        graph.nodes, changed = keep, True
    used = used_names(graph)
    for name in [k for k in graph.initializers if k not in used]:
        del graph.initializers[name]
        changed = True
    live = set(graph.iter_tensors()) | {o.name for o in graph.outputs}
    for name in [k for k in graph.value_info if k not in live]:
        del graph.value_info[name]
    return changed
