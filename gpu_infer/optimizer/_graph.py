"""Small graph queries and edits shared by the optimizer passes and specialize().

A pass builds one :class:`Uses` index (linear in the graph's size) and makes every
edit through it, so finding a tensor's producer or sole reader costs O(1) and a
whole pass stays linear however large the graph is.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from ..ir import Graph, Node


def subgraphs(node: Node) -> Iterator[Graph]:
    """The bodies held by a node's attributes (If branches, Loop / Scan bodies)."""
    for value in node.attrs.values():
        for sub in value if isinstance(value, list) else [value]:
            if isinstance(sub, Graph):
                yield sub


def subgraph_refs(graph: Graph) -> set[str]:
    """Every tensor name that a node's subgraph (If/Loop/Scan body) mentions."""
    names: set[str] = set()
    for node in graph.nodes:
        for sub in subgraphs(node):
            names |= {t for n in sub.nodes for t in n.inputs if t}
            names |= {o.name for o in sub.outputs} | subgraph_refs(sub)
    return names


def output_names(graph: Graph) -> set[str]:
    return {o.name for o in graph.outputs}


class Uses:
    """Producer and readers of every tensor of `graph`, kept current by the edit methods.

    Removed nodes stay in ``graph.nodes`` until :meth:`commit`, which drops them in one
    pass; a rewrite checks :meth:`alive` before touching a node it saw earlier.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self.outputs = output_names(graph)
        self.in_subgraphs = subgraph_refs(graph)
        self.producer: dict[str, Node] = {}
        self._readers: dict[str, list[Node]] = {}     # one entry per input slot that reads it
        self._removed: set[int] = set()
        for node in graph.nodes:
            self._index(node)

    def _index(self, node: Node) -> None:
        for o in node.outputs:
            if o:
                self.producer[o] = node
        for i in node.inputs:
            if i:
                self._readers.setdefault(i, []).append(node)

    def _unindex(self, node: Node) -> None:
        for o in node.outputs:
            if o and self.producer.get(o) is node:
                del self.producer[o]
        for i in node.inputs:
            if i:
                self._unread(i, node)

    def _unread(self, tensor: str, node: Node) -> None:
        readers = self._readers[tensor]
        del readers[next(k for k, r in enumerate(readers) if r is node)]
        if not readers:
            del self._readers[tensor]

    # -- queries -------------------------------------------------------------
    def alive(self, node: Node) -> bool:
        return id(node) not in self._removed

    def readers(self, tensor: str) -> list[Node]:
        """The distinct nodes reading `tensor`."""
        unique = {id(n): n for n in self._readers.get(tensor, ())}
        return list(unique.values())

    def is_read(self, tensor: str) -> bool:
        """Something reads `tensor`: a node, a subgraph, or the graph's outputs."""
        return tensor in self._readers or tensor in self.outputs or tensor in self.in_subgraphs

    def pinned(self, tensor: str) -> bool:
        """`tensor` is seen outside the node list (a graph output or a subgraph reads it)."""
        return tensor in self.outputs or tensor in self.in_subgraphs

    def sole_reader(self, tensor: str) -> Node | None:
        """The only node reading `tensor`, if it is read exactly once and is no graph output."""
        if self.pinned(tensor):
            return None
        readers = self._readers.get(tensor, ())
        return readers[0] if len(readers) == 1 else None

    def taken(self, name: str) -> bool:
        g = self.graph
        return (name in self.producer or name in self._readers or name in g.initializers
                or name in g.value_info or self.pinned(name) or any(i.name == name for i in g.inputs))

    def fresh_name(self, base: str) -> str:
        name, k = base, 0
        while self.taken(name):
            k += 1
            name = f"{base}_{k}"
        return name

    # -- edits ---------------------------------------------------------------
    def remove(self, node: Node) -> None:
        self._unindex(node)
        self._removed.add(id(node))

    def set_inputs(self, node: Node, inputs: list[str]) -> None:
        for i in node.inputs:
            if i:
                self._unread(i, node)
        node.inputs = list(inputs)
        for i in node.inputs:
            if i:
                self._readers.setdefault(i, []).append(node)

    def rename_reads(self, old: str, new: str, skip: Node | None = None) -> None:
        """Every node input (and graph output) reading `old` reads `new` instead."""
        for node in self.readers(old):
            if node is not skip:
                self.set_inputs(node, [new if i == old else i for i in node.inputs])
        if old in self.outputs:
            for out in self.graph.outputs:
                if out.name == old:
                    out.name = new
            self.outputs = output_names(self.graph)

    def replace_output(self, producer: Node, index: int, new_name: str) -> None:
        """The producer now writes `new_name` (a later node's output) instead of its own output."""
        old = producer.outputs[index]
        if old and self.producer.get(old) is producer:
            del self.producer[old]
        producer.outputs[index] = new_name
        self.producer[new_name] = producer
        self.graph.value_info.pop(old, None)

    def commit(self) -> bool:
        """Drop the removed nodes from the graph; True if there were any."""
        if not self._removed:
            return False
        self.graph.nodes = [n for n in self.graph.nodes if id(n) not in self._removed]
        self._removed.clear()
        return True


def has_op(graph: Graph, *op_types: str) -> bool:
    """A default-domain node of one of these types exists (a pass with nothing to do skips its index)."""
    return any(n.op_type in op_types and not n.domain for n in graph.nodes)


def rewrite_each(graph: Graph, op_type: str, rewrite: Callable[[Uses, Node], bool]) -> bool:
    """Apply `rewrite` to every live default-domain `op_type` node; True if any call changed the graph."""
    if not has_op(graph, op_type):
        return False
    uses = Uses(graph)
    changed = False
    for node in list(graph.nodes):
        if node.op_type == op_type and not node.domain and uses.alive(node):
            changed |= rewrite(uses, node)
    uses.commit()
    return changed


def constant(graph: Graph, name: str) -> np.ndarray | None:
    return graph.initializers.get(name) if name else None


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
