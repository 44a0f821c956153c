"""Axis arguments of the CPU kernels, normalised; out of range is an error, never wrapped around.

Constant folding runs kernels before the model's shapes are validated, so a kernel
that wrapped an invalid axis would fold a made-up value into the graph.
"""
from __future__ import annotations

from typing import Sequence

from ....errors import ShapeInferenceError
from ....ir import Node


def axis(node: Node, value: int, rank: int, extra: int = 0, below: int | None = None) -> int:
    """`value` as an index into `rank` (+ `extra`) axes; negative counts from the end
    (over `below` of the extra axes too, all of them by default)."""
    top, bottom = rank + extra, -(rank + (extra if below is None else below))
    value = int(value)
    if not bottom <= value < top:
        raise ShapeInferenceError(f"{node.describe()}: axis {value} is out of range for an input of rank "
                                  f"{rank} (expected [{bottom}, {top - 1}])")
    return value - bottom if value < 0 else value


def axes(node: Node, values: Sequence[int], rank: int, extra: int = 0) -> list[int]:
    """Each of `values` normalised; a repeated axis is an error too."""
    out = [axis(node, v, rank, extra) for v in values]
    if len(set(out)) != len(out):
        raise ShapeInferenceError(f"{node.describe()}: axes {list(values)} name an axis twice")
    return out
