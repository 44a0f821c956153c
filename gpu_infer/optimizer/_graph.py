"""Small graph queries and edits shared by the optimizer passes and specialize()."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..ir import Graph, Node


def rewrite_each(graph: Graph, op_type: str, rewrite: Callable[[Graph, Node], bool]) -> bool:
    """Apply `rewrite` to every default-domain `op_type` node; True if any call changed the graph."""
    changed = False
    for node in list(graph.nodes):
        if node.op_type == op_type and not node.domain and node in graph.nodes:
            changed |= rewrite(graph, node)
    return changed


def subgraph_refs(graph: Graph) -> set[str]:
    """Every tensor name that a node's subgraph (If/Loop/Scan body) mentions."""
    names: set[str] = set()
    for node in graph.nodes:
        for value in node.attrs.values():
            for sub in value if isinstance(value, list) else [value]:
                if isinstance(sub, Graph):
                    names |= {t for n in sub.nodes for t in n.inputs if t}
                    names |= {o.name for o in sub.outputs} | subgraph_refs(sub)
    return names


def used_names(graph: Graph) -> set[str]:
    """Tensors something reads: a node, a subgraph, or the graph's outputs."""
    used = {t for n in graph.nodes for t in n.inputs if t}
    return used | {o.name for o in graph.outputs} | subgraph_refs(graph)


def output_names(graph: Graph) -> set[str]:
    return {o.name for o in graph.outputs}


def sole_consumer(graph: Graph, tensor: str) -> Node | None:
    """The only node reading `tensor`, if it is read exactly once and is no graph output."""
    if tensor in output_names(graph) or tensor in subgraph_refs(graph):
        return None
    readers = [(n, i) for n in graph.nodes for i in n.inputs if i == tensor]
    return readers[0][0] if len(readers) == 1 else None


def constant(graph: Graph, name: str) -> np.ndarray | None:
    return graph.initializers.get(name) if name else None


def fresh_name(graph: Graph, base: str) -> str:
    taken = set(graph.iter_tensors()) | set(graph.value_info)
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    return name


def rename_uses(graph: Graph, old: str, new: str) -> None:
    """Make every node input (and graph output) that reads `old` read `new`."""
    for node in graph.nodes:
        node.inputs = [new if i == old else i for i in node.inputs]
    for out in graph.outputs:
        if out.name == old:
            out.name = new


def replace_output(graph: Graph, producer: Node, index: int, new_name: str) -> None:
    """The producer now writes `new_name` (a later node's output) instead of its own output."""
    old = producer.outputs[index]
    producer.outputs[index] = new_name
    graph.value_info.pop(old, None)


def is_float(graph: Graph, name: str) -> bool:
    try:
        dtype = graph.info(name).dtype
    except KeyError:
        return False
    return dtype is not None and np.issubdtype(dtype, np.floating)


def known_shape(graph: Graph, name: str) -> tuple[int, ...] | None:
    try:
        info = graph.info(name)
    except KeyError:
        return None
    return tuple(info.shape) if info.is_concrete else None  # type: ignore[arg-type]
