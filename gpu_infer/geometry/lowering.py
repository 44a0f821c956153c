"""`lower(node, ...)`: a data-movement node as a RasterPlan, through one function per op type."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import ShapeInferenceError
from ..ir import Node
from .region import RasterPlan

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Operands:
    """What a lowering knows of a node: its concrete shapes and its constant inputs."""
    node: Node
    input_shapes: list[Shape | None]
    input_constants: list[np.ndarray | None]
    output_shapes: list[Shape]

    def shape(self, i: int) -> Shape | None:
        """Shape of input i, None where it is absent."""
        return self.input_shapes[i] if i < len(self.input_shapes) and self.node.input(i) else None

    def constant(self, i: int) -> np.ndarray | None:
        return self.input_constants[i] if i < len(self.input_constants) else None

    def runtime(self, i: int) -> bool:
        """Input i is present but its value is known only when the model runs."""
        return bool(self.node.input(i)) and self.constant(i) is None

    def error(self, message: str) -> ShapeInferenceError:
        return ShapeInferenceError(f"{self.node.describe()}: {message}")

    def axis(self, value: int, rank: int) -> int:
        """`value` made non-negative; an error naming the node when it is out of range."""
        if not -rank <= value < rank:
            raise self.error(f"axis {value} is out of range for rank {rank}")
        return value % rank

    def expect_output(self, index: int, shape: Sequence[int]) -> None:
        if tuple(self.output_shapes[index]) != tuple(shape):
            raise self.error(f"output '{self.node.outputs[index]}' has shape {tuple(self.output_shapes[index])}, "
                             f"the op makes {tuple(shape)}")


def ints(value: np.ndarray | Sequence[int] | None) -> list[int] | None:
    """An optional 1-D integer input or attribute as a Python list."""
    return None if value is None else [int(v) for v in np.asarray(value).reshape(-1)]


Lowering = Callable[[Operands], RasterPlan | None]
LOWERINGS: dict[str, Lowering] = {}


def lowering(*op_types: str) -> Callable[[Lowering], Lowering]:
    def add(fn: Lowering) -> Lowering:
        for op in op_types:
            LOWERINGS[op] = fn
        return fn
    return add


def lower(node: Node, input_shapes: Sequence[Sequence[int] | None], input_constants: Sequence[np.ndarray | None],
          output_shapes: Sequence[Sequence[int]]) -> RasterPlan | None:
    """The regions of a data-movement node; None when it cannot be expressed as regions (an op
    that is not data movement, runtime indices, pads or pad value, too many regions): the
    caller then uses another kernel. Inconsistent shapes or attributes raise
    ShapeInferenceError naming the node."""
    fn = LOWERINGS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
    if fn is None:
        return None
    operands = Operands(node, [None if s is None else tuple(int(d) for d in s) for s in input_shapes],
                        list(input_constants), [tuple(int(d) for d in s) for s in output_shapes])
    if operands.shape(0) is None:
        raise operands.error("input 0 has no known shape")
    return fn(operands)
