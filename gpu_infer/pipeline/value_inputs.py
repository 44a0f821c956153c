"""Graph inputs whose *values* decide tensor shapes or what can run (a runtime Reshape target, Reduce axes,
Slice bounds, Resize sizes...). Pre-inference binds them as constants, so a plan is
specialised to their values as well as to the input shapes (MNN re-resizes likewise)."""
from __future__ import annotations

from ..ir import Graph

# op type -> indices of the inputs whose values shape the outputs
SHAPE_OPERANDS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "ConstantOfShape": (0,), "Range": (0, 1, 2),
    "Slice": (1, 2, 3, 4), "Pad": (1, 3), "Split": (1,), "Squeeze": (1,), "Unsqueeze": (1,),
    "Resize": (1, 2, 3), "Upsample": (1,), "OneHot": (1,), "TopK": (1,), "CenterCropPad": (1, 2),
    "ReduceSum": (1,), "ReduceMean": (1,), "ReduceMax": (1,), "ReduceMin": (1,), "ReduceProd": (1,),
    "ReduceL1": (1,), "ReduceL2": (1,), "ReduceLogSum": (1,), "ReduceLogSumExp": (1,),
    "ReduceSumSquare": (1,), "Dropout": (1, 2), "CumSum": (1,), "EyeLike": (), "Trilu": (),
}
VALUE_BLIND = {"Shape", "Size"}       # depend on their input's shape only


def shape_value_inputs(graph: Graph) -> set[str]:
    """Names of graph inputs that reach a shape operand, directly or through other nodes."""
    producers = graph.producers()
    inputs = {i.name for i in graph.inputs}
    found: set[str] = set()
    seen: set[str] = set()
    stack = [n.input(i) for n in graph.nodes for i in SHAPE_OPERANDS.get(n.op_type, ()) if n.input(i)]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in inputs:
            found.add(name)
        node = producers.get(name)
        if node is not None and node.op_type not in VALUE_BLIND:
            stack.extend(i for i in node.inputs if i)
    return found
