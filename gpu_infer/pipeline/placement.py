"""Step 2 of pre-inference: place every node on the first backend that can create it."""
from __future__ import annotations

from dataclasses import dataclass

from ..backends.base import Backend, Execution, Tensor
from ..errors import UnsupportedOpError
from ..ir import Graph, Node


@dataclass
class Placed:
    node: Node
    backend: Backend
    execution: Execution


def describe_tensor_for(graph: Graph, name: str) -> Tensor | None:
    """A backend-less Tensor describing `name` (shape, dtype, constant) for on_create decisions."""
    if not name:
        return None
    if name in graph.initializers:
        arr = graph.initializers[name]
        return Tensor(name, tuple(arr.shape), arr.dtype, constant=arr)
    info = graph.value_info[name]
    return Tensor(name, tuple(info.shape), info.dtype)


def place_nodes(graph: Graph, backends: list[Backend], strict: bool) -> list[Placed]:
    """Ask each backend in preference order; in strict mode only the first may run nodes.

    Raises UnsupportedOpError naming every node that no allowed backend can create.
    """
    allowed = backends[:1] if strict else backends
    placed: list[Placed] = []
    refused: list[Node] = []
    for node in graph.nodes:
        ins = [describe_tensor_for(graph, i) for i in node.inputs]
        outs = [describe_tensor_for(graph, o) for o in node.outputs]
        for backend in allowed:
            execution = backend.on_create(node, ins, outs)
            if execution is not None:
                placed.append(Placed(node, backend, execution))
                break
        else:
            refused.append(node)
    if refused:
        where = allowed[0].name if strict else "/".join(b.name for b in allowed)
        lines = "\n".join(f"  - {n.describe()}" + (f" domain '{n.domain}'" if n.domain else "")
                          for n in refused)
        mode = " in strict mode (no fallback)" if strict else ""
        raise UnsupportedOpError(f"backend {where}{mode} cannot run {len(refused)} node(s):\n{lines}")
    return placed
