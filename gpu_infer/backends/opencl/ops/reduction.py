"""What the reducing families share (cl_kernels/reduction.h: reduce, softmax, norm, pool,
resize): integer and bool element types, int4 arguments, and the layouts of a reduction with
the cost model that chooses between them."""
from __future__ import annotations

from typing import Any

import numpy as np

from ....scheduler.schemes import Scheme, choose_for
from ...base import Tensor
from ..execution import CLExecution, round_up

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


def chosen_scheme(execution: CLExecution, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> Scheme:
    """The scheme `execution` runs with (``scheduler.schemes.choose_for``: the tuned choice, else the
    cost model's)."""
    return choose_for(execution, inputs, outputs)
