"""MatMul(A, W) + C -> Gemm(A, W, C) where Gemm's semantics match exactly: A is 2-D,
W a 2-D constant, C a constant that broadcasts to the [M, N] result (unidirectionally)."""
from __future__ import annotations

from ..ir import Graph, Node
from ._graph import constant, known_shape, replace_output, rewrite_each, sole_consumer


def run(graph: Graph) -> bool:
    return rewrite_each(graph, "MatMul", _fuse)


def _fuse(graph: Graph, mm: Node) -> bool:
    a_shape = known_shape(graph, mm.inputs[0])
    w = constant(graph, mm.inputs[1])
    if a_shape is None or len(a_shape) != 2 or w is None or w.ndim != 2:
        return False
    add = sole_consumer(graph, mm.outputs[0])
    if add is None or add.op_type != "Add" or add.domain:
        return False
    other = add.inputs[1] if add.inputs[0] == mm.outputs[0] else add.inputs[0]
    c = constant(graph, other)
    m, n = a_shape[0], w.shape[1]
    if c is None or c.ndim > 2 or c.dtype != w.dtype or any(
            d not in (1, full) for d, full in zip(c.shape[::-1], (n, m))):
        return False
    attrs = {"broadcast": 1} if mm.opset < 7 else {}
    gemm = Node("Gemm", [mm.inputs[0], mm.inputs[1], other], list(mm.outputs), attrs, mm.name or add.name,
                opset=mm.opset)
    graph.nodes[graph.nodes.index(mm)] = gemm
    replace_output(graph, gemm, 0, add.outputs[0])
    graph.nodes.remove(add)
    return True
