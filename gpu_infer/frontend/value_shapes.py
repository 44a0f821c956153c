"""Which inputs of an op decide its output *shapes* by their values, and which ops have
output shapes that depend on the data itself.

Pre-inference needs every shape. A shape operand (a Reshape target, Slice bounds, Pad
widths, a TopK k ...) that is a constant or a graph input bound by value is fine; one
computed from data at run time, or an op like NonZero whose output size is its result,
makes the planner split the graph into stages (``pipeline/stages.py``).
"""
from __future__ import annotations

from typing import Container

from ..ir import Node

# op type -> indices of the inputs whose values shape the outputs (or that the CPU kernels need
# as constants: CumSum's axis, Dropout's ratio and training mode)
SHAPE_OPERANDS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "ConstantOfShape": (0,), "Range": (0, 1, 2),
    "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3), "Split": (1,), "Squeeze": (1,), "Unsqueeze": (1,),
    "Resize": (1, 2, 3), "Upsample": (1,), "OneHot": (1,), "TopK": (1,), "CenterCropPad": (1, 2),
    "ReduceSum": (1,), "ReduceMean": (1,), "ReduceMax": (1,), "ReduceMin": (1,), "ReduceProd": (1,),
    "ReduceL1": (1,), "ReduceL2": (1,), "ReduceLogSum": (1,), "ReduceLogSumExp": (1,),
    "ReduceSumSquare": (1,), "Dropout": (1, 2), "CumSum": (1,), "EyeLike": (), "Trilu": (),
}

# ops whose output shape is a function of their input values, whatever is constant
VALUE_SHAPED_OPS = frozenset({"NonZero", "NonMaxSuppression", "Unique", "Compress", "If", "Loop", "Scan",
                              "StringSplit", "SequenceConstruct"})


def runtime_shape_operands(node: Node, constants: Container[str]) -> list[str]:
    """The node's shape operands that are not constants (their values come at run time)."""
    return [node.input(i) for i in SHAPE_OPERANDS.get(node.op_type, ())
            if node.input(i) and node.input(i) not in constants]


def value_shaped(node: Node, constants: Container[str]) -> bool:
    """Whether `node`'s output shapes can only be known by running it (or its producers)."""
    return node.op_type in VALUE_SHAPED_OPS or bool(runtime_shape_operands(node, constants))
