"""MatMul(A, W) + C -> Gemm(A, W, C) where Gemm's semantics match exactly: A is 2-D,
W a 2-D constant, C a constant that broadcasts to the [M, N] result (unidirectionally)."""
from __future__ import annotations

from ..ir import Graph, Node
from ._graph import Uses, constant, known_shape, rewrite_each


def run(graph: Graph) -> bool:
    return rewrite_each(graph, "MatMul", _fuse)


def _fuse(uses: Uses, mm: Node) -> bool:
    graph = uses.graph
    a_shape = known_shape(graph, mm.inputs[0])
    w = constant(graph, mm.inputs[1])
    if a_shape is None or len(a_shape) != 2 or w is None or w.ndim != 2:
        return False
    add = uses.sole_reader(mm.outputs[0])
    if add is None or add.op_type != "Add" or add.domain:
        return False
    other = add.inputs[1] if add.inputs[0] == mm.outputs[0] else add.inputs[0]
    c = constant(graph, other)
    m, n = a_shape[0], w.shape[1]
    if c is None or c.ndim > 2 or c.dtype != w.dtype or any(
            d not in (1, full) for d, full in zip(c.shape[::-1], (n, m))):
        return False
    mm.op_type, mm.attrs, mm.name = "Gemm", {"broadcast": 1} if mm.opset < 7 else {}, mm.name or add.name
    uses.set_inputs(mm, [mm.inputs[0], mm.inputs[1], other])
    uses.remove(add)
    uses.replace_output(mm, 0, add.outputs[0])
    return True
