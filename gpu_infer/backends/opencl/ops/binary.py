"""Broadcasting binary ops on OpenCL (cl_kernels/binary.cl): Add, Sub, Mul, Div, Pow, PRelu, and the
variadic Max, Min, Sum and Mean: of two inputs (Mean apart) as a binary op, of more in one n-ary
pass. A binary op's kernel form (same shape, per row, per channel, scalar, general) comes from
broadcast_plan.plan, once, at resize."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...base import Tensor
from ... import broadcast_plan as broadcast
from ...broadcast_plan import operand_shape
from ..registry import register
from .elementwise import FLOATS, INTEGERS, NUMBERS, VEC, CLElementwise, Launch, device_has_fp64, fits, flat_launch, \
    holds, launch

NARY = 8                      # inputs per pass of the n-ary kernels (cl_kernels/binary.cl)
VARIADIC = frozenset({"Max", "Min", "Sum", "Mean"})
OPS = {"Add": "ADD", "Sub": "SUB", "Mul": "MUL", "Div": "DIV", "Pow": "POW", "PRelu": "PRELU",   # binary.cl's OP_*
       "Max": "MAX", "Min": "MIN", "Sum": "ADD", "Mean": "ADD"}


@register(*OPS)
class CLBroadcastOp(CLElementwise):
    family = "binary"

    @staticmethod
    def one_pass(node, inputs: Sequence[Tensor | None]) -> bool:
        """Whether the op runs as one n-ary pass (Sum, Mean, Max, Min of 3+ inputs, Mean of 2): the
        inputs combine in registers, so nothing is rounded to the output's type in between."""
        count = sum(t is not None for t in inputs)
        return node.op_type in VARIADIC and (count > 2 or (count == 2 and node.op_type == "Mean"))

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        xs = [t for t in inputs if t is not None]
        types = FLOATS if node.op_type == "Mean" else NUMBERS
        if not xs or not all(holds(t.dtype, types) for t in xs) or not fits(xs + list(outputs)):
            return False
        if node.op_type != "Pow" and any(np.dtype(t.dtype) != np.dtype(xs[0].dtype) for t in xs):
            return False
        out = outputs[0].shape
        if cls.one_pass(node, inputs):
            return broadcast.index_table(out, *(t.shape for t in xs)) is not None
        return len(xs) == 1 or broadcast.plan(out, xs[0].shape, operand_shape(node, xs[0].shape, xs[1].shape)) \
            is not None

    def on_resize(self, inputs, outputs) -> None:
        y, op = outputs[0], self.node.op_type
        xs = [t for t in inputs if t is not None]
        self.launches = []
        if y.size == 0:
            return
        if len(xs) == 1:
            self.launches.append(self.bind("copy", [*_refs(xs[0].handle), *_refs(y.handle), np.int32(y.size)],
                                           self.role("A", y), flat_launch(y.size)))
            return
        options = self.role("A", xs[0]) + [f"-DOP=OP_{OPS[op]}"]
        if op == "Pow" and xs[1].store_dtype != xs[0].store_dtype:
            options += self.role("B", xs[1])
            if np.dtype(xs[0].dtype) in INTEGERS and np.dtype(xs[1].dtype) in FLOATS and device_has_fp64():
                options.append("-DUSE_FP64")            # an integer base with a float exponent: pow in double
        if self.one_pass(self.node, inputs):
            pending = [(t.handle, tuple(t.shape)) for t in xs]
            while pending:                              # NARY at a time; later passes start from y
                chunk, pending = pending[:NARY], pending[NARY:]
                if pending:
                    pending.insert(0, (y.handle, tuple(y.shape)))
                self.launches.append(self.nary(chunk, y, options, 0 if pending or op != "Mean" else len(xs)))
        else:
            a, b = xs
            self.launches.append(self.binary((a.handle, tuple(a.shape)),
                                             (b.handle, operand_shape(self.node, a.shape, b.shape)), y, options))

    def table(self, table: np.ndarray) -> Any:
        """An index table on the device, prepared once per session for this node and shape."""
        return self.prepare_weight(("index table", table.tobytes()), lambda: table, source=table,
                                   what=f"an index table of {self.node.describe()}")

    def binary(self, a: tuple[Any, tuple], b: tuple[Any, tuple], y: Tensor, options: list[str]) -> Launch:
        """The bound kernel and sizes of y = op(a, b); a and b are (handle, broadcast shape)."""
        path = broadcast.plan(y.shape, a[1], b[1])
        args = [*_refs(a[0]), *_refs(b[0]), *_refs(y.handle)]
        if path.kernel == "general":
            last, rows = path.sizes
            args += [self.table(path.table).buffer, np.int32(rows)]
            sizes = launch(-(-last // VEC), rows)
        elif path.kernel.startswith("row"):
            mid, outer = path.sizes
            args += [np.int32(mid), np.int32(outer)]
            sizes = launch(-(-mid // VEC), outer)
        else:
            inner, mid, outer = path.sizes
            args += [np.int32(inner), np.int32(mid)]
            sizes = launch(-(-inner // VEC), mid, outer)
        return self.bind(path.kernel, args, options, sizes)

    def nary(self, chunk: list[tuple[Any, tuple]], y: Tensor, options: list[str], divisor: int) -> Launch:
        """The bound n-ary kernel and sizes of one pass over up to NARY inputs (handle, shape)."""
        table, last, rows = broadcast.index_table(y.shape, *(shape for _, shape in chunk))
        inputs = [a for handle, _ in chunk + chunk[:1] * (NARY - len(chunk)) for a in _refs(handle)]
        args = [*_refs(y.handle), *inputs, np.int32(len(chunk)), np.int32(divisor), self.table(table).buffer,
                np.int32(rows)]
        return self.bind("nary", args, options, launch(-(-last // VEC), rows))


def _refs(handle: Any) -> list[Any]:
    return [handle.buffer, np.int32(handle.offset)]

