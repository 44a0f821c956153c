"""Step 2 of pre-inference: place every node on the first backend that can create it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

from ..backends.base import Backend, Execution, Tensor
from ..errors import UnsupportedOpError
from ..ir import Graph, Node
from .steps import describe_tensor


@dataclass
class Placed:
    node: Node
    backend: Backend
    execution: Execution          # the first plan instance's; later instances create their own
    precision: str | None         # "fp32" where the node is pinned back to FP32, else the backend's
    inputs: list[Tensor | None]   # backend-less descriptions, for on_create
    outputs: list[Tensor | None]

    def create(self) -> Execution:
        execution = self.backend.on_create(self.node, self.inputs, self.outputs, self.precision)
        assert execution is not None, f"{self.backend.name} accepted {self.node.describe()} once"
        return execution


def place_nodes(graph: Graph, backends: list[Backend], strict: bool,
                fp32_nodes: Collection[str] = ()) -> list[Placed]:
    """Ask each backend in preference order; in strict mode only the first may run nodes.

    Raises UnsupportedOpError naming every node that no allowed backend can create, with the
    reason the preferred backend gave.
    """
    allowed = backends[:1] if strict else backends
    placed: list[Placed] = []
    refused: list[tuple[Node, str]] = []
    for node in graph.nodes:
        ins = [describe_tensor(graph, i) for i in node.inputs]
        outs = [describe_tensor(graph, o) for o in node.outputs]
        precision = "fp32" if node.name in fp32_nodes else None
        for backend in allowed:
            execution = backend.on_create(node, ins, outs, precision)
            if execution is not None:
                placed.append(Placed(node, backend, execution, precision, ins, outs))
                break
        else:
            refused.append((node, allowed[0].refusal(node, ins, outs) or "refused"))
    if refused:
        where = allowed[0].name if strict else "/".join(b.name for b in allowed)
        lines = "\n".join(f"  - {n.describe()}" + (f" domain '{n.domain}'" if n.domain else "") + f": {why}"
                          for n, why in refused)
        mode = " in strict mode (no fallback)" if strict else ""
        raise UnsupportedOpError(f"backend {where}{mode} cannot run {len(refused)} node(s):\n{lines}")
    return placed
