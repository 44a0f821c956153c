"""Reductions on OpenCL (cl_kernels/reduce.cl): ReduceSum, ReduceMean, ReduceMax, ReduceMin,
ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp over any axes,
and what the other reducing families share (integer element types, work-group sizes, the
choice between a work-item and a work-group per output)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme, choose
from ...base import Tensor
from ...cpu.ops.axes import axes as norm_axes
from ..execution import CLExecution, ref_args, round_up
from ..registry import register

MAX_GROUP = 256             # reduction.h's MAX_GROUP: the largest work-group the group kernels use
COLS = 8                   # reduction.h's COLS: outputs per work-item of the cols layout (floats)
ITEM_GROUP = 64             # local size of the rows and cols layouts

# OpenCL C types of the exact element types, with their limits (bool: 0 and 1)
_C_TYPES = {"int8": "char", "uint8": "uchar", "int16": "short", "uint16": "ushort", "int32": "int",
            "uint32": "uint", "int64": "long", "uint64": "ulong", "bool": "uchar"}


def _literal(value: int, c_type: str) -> str:
    """`value` as an OpenCL C constant of `c_type` (the lowest long has no literal of its own)."""
    suffix = {"long": "L", "ulong": "UL", "uint": "U"}.get(c_type, "")
    if value == -2**63:
        return "(-9223372036854775807L-1)"
    if value == -2**31:
        return "(-2147483647-1)"
    return f"({value}{suffix})"


def elem_options(dtype: np.dtype, wrapping: bool = False) -> list[str]:
    """reduction.h's build options for integer or bool data (none for floats). `wrapping`:
    sums and products in the unsigned type, so they wrap around as NumPy's do."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return []
    c_type = _C_TYPES[dtype.name]
    low, high = (0, 1) if dtype.kind == "b" else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
    options = [f"-DELEM={c_type}", f"-DELEM_LOWEST={_literal(low, c_type)}",
               f"-DELEM_HIGHEST={_literal(high, c_type)}"]
    if wrapping and dtype.kind == "i":
        options.append(f"-DELEM_ACC=u{c_type}")
    return options


class CLExactData(CLExecution):
    """An execution whose kernels also take integer or bool data (reduction.h's -DELEM): such a
    program does not depend on the precision level, so it is built once for all of them."""

    def options(self, *extra: str) -> list[str]:
        return list(extra) if any(o.startswith("-DELEM=") for o in extra) else super().options(*extra)


def int4(*values: int) -> np.ndarray:
    """An OpenCL int4 kernel argument (by value) of up to 4 ints, the rest 0."""
    return np.array(list(values) + [0] * (4 - len(values)), np.int32)


def is_float32(t: Tensor | None) -> bool:
    return t is not None and np.dtype(t.dtype) == np.float32


def layout_schemes(family: str, rt: Any, outputs: int, count: int, innermost_reduced: bool) -> list[Scheme]:
    """The layouts (reduction.h) of `outputs` reductions of `count` elements each, with the cost
    model's estimate: "rows" (the reduced axis innermost) or "cols" (it is not), a work-item per
    output (per COLS outputs); "group", a work-group per output. On a CPU device (PoCL, measured)
    a work-item's own vector reads are what count: rows read about 0.3 ns an element, cols
    0.75 ns, a group 1.7 ns plus 11 ns a work-item for its barriers. On a GPU an item layout
    leaves lanes idle when the outputs are few, which a group fills (an estimate: 1 ns per
    element and step, 64 lanes per compute unit)."""
    cpu = bool(rt.device.type & rt.cl.device_type.CPU)
    units = max(int(rt.device.max_compute_units), 1)
    elements = outputs * max(count, 1)
    item = "rows" if innermost_reduced else "cols"
    items = outputs if innermost_reduced else -(-outputs // COLS)
    if cpu:
        cost = elements * (0.3e-9 if innermost_reduced else 0.75e-9) / units
    else:
        cost = -(-items // (64 * units)) * max(count, 1) * 1e-9
    candidates = [Scheme(f"{family}.{item}", cost=cost)]
    for local in (64, MAX_GROUP):
        if cpu:
            cost = (elements * 1.7e-9 + outputs * local * 11e-9) / units
        else:
            cost = -(-outputs * local // (64 * units)) * (-(-count // local) + local.bit_length()) * 1e-9
        candidates.append(Scheme(f"{family}.group", (("local", local),), cost=cost))
    return candidates


def launch(scheme: Scheme, outputs: int, rows: int, cols: int = COLS) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Kernel-name suffix, global and local size of a layout for `outputs` outputs, in `rows` rows
    of interleaved reductions in the cols layout, `cols` per work-item (1 for integers)."""
    layout = scheme.name.split(".")[-1]
    if layout == "group":
        local = scheme.param("local")
        return layout, (outputs * local,), (local,)
    if layout == "cols":
        blocks = -(-(outputs // max(rows, 1)) // cols)
        return layout, (round_up(blocks, 8), rows), (8, 1)
    return layout, (round_up(outputs, ITEM_GROUP),), (ITEM_GROUP,)


@dataclass(frozen=True)
class ReduceView:
    """The input as kept and reduced groups of merged axes, K0 R0 K1 R1 K2 R2 K3 (reduce.cl)."""
    kept: tuple[int, int, int, int]
    kept_strides: tuple[int, int, int, int]
    reduced: tuple[int, int, int]
    reduced_strides: tuple[int, int, int]

    @property
    def outputs(self) -> int:
        return math.prod(self.kept)

    @property
    def count(self) -> int:
        """Elements reduced into each output."""
        return math.prod(self.reduced)

    @property
    def innermost_reduced(self) -> bool:
        """Whether the input's innermost (non-unit) axis is reduced: R2, stride 1."""
        return self.kept[3] == 1 and self.reduced_strides[2] == 1

    def arguments(self) -> list[np.int32]:
        return [np.int32(v) for v in (*self.kept[1:], *self.kept_strides, *self.reduced, *self.reduced_strides)]


def reduce_view(shape: Sequence[int], axes: Sequence[int]) -> ReduceView | None:
    """`shape` reduced over `axes` as a ReduceView; None when its axes alternate between kept and
    reduced more often than the kernel's groups allow (possible only beyond rank 6)."""
    groups: list[list[Any]] = []                          # [reduced?, size]
    for k, size in enumerate(shape):
        red = k in axes
        if size == 1:
            continue
        if groups and groups[-1][0] == red:
            groups[-1][1] *= size
        else:
            groups.append([red, size])
    if any(size == 0 for red, size in groups if red):    # an empty reduction: nothing to read
        groups = [[red, size] for red, size in groups if not red] + [[True, 0]]
    strides, step = [], 1
    for _, size in reversed(groups):
        strides.append(step)
        step *= size
    strides.reverse()
    sizes, slot_strides = [1] * 7, [0] * 7
    slot = 6                                              # right-aligned: the innermost group in K3 or R2
    for (red, size), stride in zip(reversed(groups), reversed(strides)):
        if slot % 2 != red:                               # slots alternate: K0 R0 K1 R1 K2 R2 K3
            slot -= 1
        if slot < 0:
            return None
        sizes[slot], slot_strides[slot] = size, stride
        slot -= 1
    return ReduceView(tuple(sizes[0::2]), tuple(slot_strides[0::2]), tuple(sizes[1::2]), tuple(slot_strides[1::2]))


# op type -> (combination, pre, post): reduce.cl's build option and run-time arguments
REDUCTIONS = {
    "ReduceSum": ("SUM", 0, 0), "ReduceMean": ("SUM", 0, 1), "ReduceMax": ("MAX", 0, 0),
    "ReduceMin": ("MIN", 0, 0), "ReduceProd": ("PROD", 0, 0), "ReduceSumSquare": ("SUM", 1, 0),
    "ReduceL1": ("SUM", 2, 0), "ReduceL2": ("SUM", 1, 2), "ReduceLogSum": ("SUM", 0, 3),
    "ReduceLogSumExp": ("LSE", 0, 0),
}
INTEGER_REDUCTIONS = {"ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"}
ORDERED_ONLY = {"ReduceMax", "ReduceMin"}                 # the ones defined on bool too


class CLReduction(CLExactData):
    """A reduction of input 0 over some of its axes, as reduce.cl runs it."""

    family = "reduce"

    @classmethod
    def reduction_of(cls, node) -> str:
        """The REDUCTIONS entry the node runs."""
        return node.op_type

    @classmethod
    def reduced_axes(cls, node, inputs: list[Tensor | None]) -> tuple[list[int], bool] | None:
        """(axes reduced, keepdims) of input 0, normalised; None: they are not known at planning.
        No axes at all is a copy."""
        raise NotImplementedError

    @classmethod
    def is_copy(cls, node, inputs) -> bool:
        """Whether the node returns its input unchanged (noop_with_empty_axes)."""
        return False

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x, reduction = inputs[0], cls.reduction_of(node)
        kind = np.dtype(x.dtype).kind
        if not (is_float32(x) or kind in "iu" and reduction in INTEGER_REDUCTIONS
                or kind == "b" and reduction in ORDERED_ONLY):
            return False
        try:
            axes = cls.reduced_axes(node, inputs)
        except ShapeInferenceError:
            return False
        return axes is not None and reduce_view(x.shape, axes[0]) is not None

    def reads_input(self, index: int) -> bool:
        return index == 0

    def op_key(self, inputs) -> str:
        x = inputs[0]
        return f"{self.node.op_type} {list(x.shape)} {self.view_of(inputs)} {np.dtype(x.dtype).name} {self.precision}"

    def view_of(self, inputs) -> ReduceView:
        return reduce_view(inputs[0].shape, self.reduced_axes(self.node, inputs)[0])

    def schemes(self, inputs, outputs) -> list[Scheme]:
        view = self.view_of(inputs)
        return layout_schemes("reduce", self.backend.rt, view.outputs, view.count, view.innermost_reduced)

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        self.view = view = self.view_of(inputs)
        combination, pre, post = REDUCTIONS[self.reduction_of(self.node)]
        if self.is_copy(self.node, inputs):       # not even squared or rooted
            pre = post = 0
        options = [f"-DREDUCE_{combination}", *elem_options(x.dtype, wrapping=combination in ("SUM", "PROD"))]
        scheme = choose(self.backend.rt.describe(), self.op_key(inputs), self.schemes(inputs, outputs))
        layout, self.global_size, self.local_size = launch(scheme, view.outputs, view.outputs // max(view.kept[3], 1),
                                                           COLS if is_float32(x) else 1)
        args = [*ref_args(x), *ref_args(y), *view.arguments(), np.int32(view.outputs), np.int32(pre),
                np.int32(post), np.float32(view.count)]
        self.bound = self.kernel(f"reduce_{layout}", args, options)

    def on_execute(self, inputs, outputs) -> None:
        if self.view.outputs:
            self.enqueue(self.bound, self.global_size, self.local_size)


@register(*REDUCTIONS)
class CLReduce(CLReduction):
    """Axes from the attribute before opset 18 (ReduceSum: 13), else from the optional constant
    input; none (or empty) reduce every axis, unless noop_with_empty_axes makes it a copy."""

    @classmethod
    def is_copy(cls, node, inputs) -> bool:
        return bool(node.attr("noop_with_empty_axes", 0)) and cls.given_axes(node, inputs) == []

    @classmethod
    def given_axes(cls, node, inputs) -> list[int] | None:
        """The axes the node names (None: not known at planning)."""
        if node.opset >= (13 if node.op_type == "ReduceSum" else 18):
            given = inputs[1] if len(inputs) > 1 else None
            if given is not None and given.constant is None:
                return None
            return [] if given is None else [int(a) for a in np.asarray(given.constant).reshape(-1)]
        return list(node.attr("axes") or [])

    @classmethod
    def reduced_axes(cls, node, inputs):
        rank = len(inputs[0].shape)
        axes = cls.given_axes(node, inputs)
        if axes is None:
            return None
        if not axes:
            if cls.is_copy(node, inputs):
                return [], True
            axes = list(range(rank))
        return norm_axes(node, axes, rank), bool(node.attr("keepdims", 1))
