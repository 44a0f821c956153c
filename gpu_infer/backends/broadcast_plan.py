"""How a broadcasting binary kernel indexes its operands (cl_kernels/binary.cl, spirv_shaders/binary.comp),
decided once per shape at resize: the simplest form the broadcast has, so the common ones pay no index arithmetic.

Dims of size 1 in the output are dropped and neighbours that broadcast alike merged, then:

- ``row_b`` / ``row_a``: one operand covers y, the other repeats over leading dims (y [outer, mid],
  the operand [mid]: a bias over the last dims; the same shape is outer = 1);
- ``channel_b`` / ``channel_a``: the other operand varies over one block of middle dims
  (y [outer, mid, inner], the operand [mid]: NCHW per-channel bias or scale; a scalar is mid = 1);
- ``general``: anything else, with the index table of the merged dims (one div / mod per dim for
  each work-item's VEC elements); the n-ary kernels of Sum, Mean, Max and Min index this way too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .common import binary_input_shape
from .gpu_common import MAX_RANK, broadcast_table


@dataclass(frozen=True)
class Broadcast:
    kernel: str                         # row_a | row_b | channel_a | channel_b | general
    sizes: tuple[int, ...]              # row: (mid, outer); channel: (inner, mid, outer); general: (last, rows)
    table: np.ndarray | None = None     # general: y's dims, a's and b's strides (gpu_common.broadcast_table)


def merged_dims(out: Sequence[int], *shapes: Sequence[int]) -> list[tuple[int, tuple[bool, ...]]]:
    """(size, whether each operand varies) per dim of `out` after dropping its 1s and merging
    neighbours whose operands vary alike; the shapes are right-aligned to out (NumPy broadcasting)."""
    rank = len(out)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    dims: list[tuple[int, tuple[bool, ...]]] = []
    for k, d in enumerate(out):
        if d == 1:
            continue
        varies = tuple(s[k] == d for s in padded)
        if dims and dims[-1][1] == varies:
            dims[-1] = (dims[-1][0] * d, varies)
        else:
            dims.append((d, varies))
    return dims


def index_table(out: Sequence[int], *shapes: Sequence[int]) -> tuple[np.ndarray, int, int] | None:
    """The general kernels' index table of the merged dims (y's dims, then each operand's strides,
    gpu_common.broadcast_table), the last merged dim and the rows before it; None beyond MAX_RANK dims."""
    dims = merged_dims(out, *shapes)
    if len(dims) > MAX_RANK:
        return None
    sizes = [d for d, _ in dims] or [1]
    operands = [[d if varies[k] else 1 for d, varies in dims] for k in range(len(shapes))]
    return broadcast_table(sizes, *operands), sizes[-1], math.prod(sizes[:-1])


def _one_block(varies: list[bool]) -> tuple[int, int] | None:
    """[start, stop) of the single run of True in `varies` (an empty run: (0, 0)); None if several."""
    runs = [k for k in range(len(varies)) if varies[k] and (k == 0 or not varies[k - 1])]
    if len(runs) > 1:
        return None
    if not runs:
        return 0, 0
    stop = runs[0]
    while stop < len(varies) and varies[stop]:
        stop += 1
    return runs[0], stop


def plan(out: Sequence[int], a: Sequence[int], b: Sequence[int]) -> Broadcast | None:
    """The kernel and sizes of y = op(a, b); None if the merged broadcast exceeds MAX_RANK dims."""
    dims = merged_dims(out, a, b)
    sizes = [d for d, _ in dims]
    for side, full, partial in (("b", 0, 1), ("a", 1, 0)):
        if not all(varies[full] for _, varies in dims):      # the other operand must cover y
            continue
        block = _one_block([varies[partial] for _, varies in dims])
        if block is None:
            continue
        start, stop = block
        outer, mid, inner = math.prod(sizes[:start]), math.prod(sizes[start:stop]), math.prod(sizes[stop:])
        if start == stop:                                     # a scalar operand
            outer, mid, inner = 1, 1, math.prod(sizes)
        if inner == 1:
            return Broadcast(f"row_{side}", (mid, outer))
        return Broadcast(f"channel_{side}", (inner, mid, outer))
    general = index_table(out, a, b)
    if general is None:
        return None
    table, last, rows = general
    return Broadcast("general", (last, rows), table)


def operand_shape(node, a_shape: Sequence[int], b_shape: Sequence[int]) -> tuple[int, ...]:
    """The second operand's shape under NumPy broadcasting: the opset<7 ``broadcast``/``axis``
    form, and PRelu's opset<7 per-channel slope (as the CPU backend reads them)."""
    if node.op_type == "PRelu":
        if node.opset < 7 and len(b_shape) == 1 and len(a_shape) > 2 and b_shape[0] == a_shape[1]:
            return tuple(b_shape) + (1,) * (len(a_shape) - 2)
        return tuple(b_shape)
    return binary_input_shape(node, a_shape, b_shape)
