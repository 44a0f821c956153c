"""Broadcasting binary ops on Vulkan (spirv_shaders/binary.comp): Add, Sub, Mul, Div, Pow, PRelu, and
the variadic Max, Min, Sum and Mean: of two inputs (Mean apart) as a binary op, of more in one
n-ary pass. The form (same shape, scalar, per row, per channel, general) comes from
broadcast_plan.plan, once, at resize; op and form are specialization constants."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...base import Tensor
from ...broadcast_plan import index_table, operand_shape, plan
from ...gpu_common import storage_dtype
from ..execution import has_variant, kernel_tensors, pack, type_code, type_refusal
from ..memory import VKTensorRef
from ..registry import register
from .elementwise import FLOATS, NUMBERS, VKElementwise, float_reads, texel_code, texel_mode

NARY = 8                      # inputs per pass of the n-ary shader
VARIADIC = frozenset({"Max", "Min", "Sum", "Mean"})
OPS = {"Add": 0, "Sub": 1, "Mul": 2, "Div": 3, "Pow": 4, "Max": 5, "Min": 6, "PRelu": 7,     # binary.comp's OP_*
       "Sum": 0, "Mean": 0}
FORMS = {name: code for code, name in enumerate(("same", "scalar_b", "scalar_a", "row_b", "row_a", "channel_b",
                                                 "channel_a", "general", "copy"))}     # binary.comp's FORM_*


def one_pass(node, inputs: Sequence[Tensor | None]) -> bool:
    """Whether the op runs as one n-ary pass (Sum, Mean, Max, Min of 3+ inputs, Mean of 2): the
    inputs combine in registers, so nothing is rounded to the output's type in between."""
    count = sum(t is not None for t in inputs)
    return node.op_type in VARIADIC and (count > 2 or (count == 2 and node.op_type == "Mean"))


@register(*OPS)
class VKBroadcastOp(VKElementwise):
    stem, shader = "binary", ""   # the shader and variant of binary.comp bind() chose

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        xs = [t for t in inputs if t is not None]
        if not xs:
            return "no input"
        why = kernel_tensors(xs + list(outputs), FLOATS if node.op_type == "Mean" else NUMBERS)
        if why is not None:
            return why
        if node.op_type != "Pow" and any(np.dtype(t.dtype) != np.dtype(xs[0].dtype) for t in xs):
            return "inputs of different element types"
        if node.op_type == "Pow" and xs[1].dtype != xs[0].dtype:
            variant = cls.pow_variant(xs[0].dtype, xs[1].dtype, "fp32")
            if not has_variant("binary", variant):
                base, exponent = (np.dtype(t.dtype).name for t in xs[:2])
                return f"no Pow shader for a {base} base and {exponent} exponent"
        out = outputs[0].shape
        if one_pass(node, inputs):
            fits = index_table(out, *(t.shape for t in xs)) is not None
        else:
            fits = len(xs) == 1 or plan(out, xs[0].shape, operand_shape(node, xs[0].shape, xs[1].shape)) is not None
        return None if fits else "the broadcast has more than 6 dims after merging"

    @staticmethod
    def pow_variant(base: Any, exponent: Any, precision: str) -> str:
        """Pow's variant: the base's type code, and the exponent's where it differs."""
        a, b = (type_code(storage_dtype(t, precision), precision) for t in (base, exponent))
        return a if a == b else f"{a}.{'f16s' if b == 'f16' else b}"

    @staticmethod
    def pow_stem(variant: str) -> str:
        """pow_f64 (exp and log in double: correctly rounded) where it exists and the device has
        doubles, else binary (the device's float pow)."""
        return "pow_f64" if has_variant("pow_f64", variant) and type_refusal(np.float64) is None else "binary"

    def bind(self, inputs, outputs) -> None:
        y, op = outputs[0], self.node.op_type
        xs = [t for t in inputs if t is not None]
        if y.size == 0:
            return
        if len(xs) == 1:
            self.stem, self.shader = "binary", self.variant(y)
            self.binary("copy", xs[0].handle, xs[0].handle, y, sizes=None, table=None, modes="r-w")
            return
        if one_pass(self.node, inputs):
            pending = [(t.handle, tuple(t.shape)) for t in xs]
            while pending:                              # NARY at a time; later passes start from y
                chunk, pending = pending[:NARY], pending[NARY:]
                if pending:
                    pending.insert(0, (y.handle, tuple(y.shape)))
                self.nary(chunk, y, 0 if pending or op != "Mean" else len(xs))
            return
        a, b = xs
        self.stem, self.shader = "binary", self.variant(y)
        if op == "Pow":
            self.shader = self.pow_variant(a.dtype, b.dtype, self.precision)
            self.stem = self.pow_stem(self.shader)
        b_shape = operand_shape(self.node, a.shape, b.shape)
        path = plan(y.shape, a.shape, b_shape)
        kernel, sizes = path.kernel, path.sizes
        if kernel in ("row_b", "row_a") and sizes[1] == 1:
            self.binary("same", a.handle, b.handle, y, None, None)
        elif kernel in ("channel_b", "channel_a") and sizes[1] == 1:
            self.binary(f"scalar_{kernel[-1]}", a.handle, b.handle, y, None, None)
        elif kernel != "general" and (grid := self.grid(sizes)) is not None:
            self.binary(kernel, a.handle, b.handle, y, grid, None)
        else:
            self.binary("general", a.handle, b.handle, y, None, index_table(y.shape, a.shape, b_shape)[0])

    def binary(self, form: str, a: VKTensorRef, b: VKTensorRef, y: Tensor, sizes: Any, table: np.ndarray | None,
               modes: str = "rrw") -> None:
        """y = op(a, b) in `form`: a flat dispatch over y, or the grid `sizes` (grid(): sizes, local).
        Float32 and float16 read through texel views (binary.comp's FLOAT_READS variants), 16 or 4
        elements per invocation where the contiguous dim allows it (VEC)."""
        dims = (list(sizes[0]) + [1, 1])[:3] if sizes is not None else [1, 1, 1]
        if table is None:
            table = np.zeros(18, np.int32)
        if form in ("row_b", "row_a"):
            dims = [1, dims[0], dims[1]]                    # (inner, mid, outer) in the push constants
        push = pack(np.int32(y.size), *(np.int32(d) for d in dims), table.astype(np.int32))
        refs, invocations = [a, b, y.handle], y.size if sizes is None else sizes[0]
        run = y.size if sizes is None else dims[0] if form.startswith("channel") else dims[1]
        vec = float_reads(self.stem, self.shader, 1 if form == "general" else run)
        if vec > 1 and sizes is None:
            invocations = y.size // vec
        elif vec > 1:                                       # (the grid's work-groups for the narrower x)
            sizes = self.grid((sizes[0][0] // vec, *sizes[0][1:]))
            invocations = sizes[0]
        if vec:
            refs += [a, b]
            modes = "ttw" + texel_mode(vec) * 2     # (a texel variant binds each one)
        self.dispatch(self.stem, self.shader, refs, modes, push, invocations, sizes[1] if sizes is not None else None,
                      constants=(OPS[self.node.op_type], FORMS[form], max(vec, 1)), texel=texel_code(self.shader))

    def nary(self, chunk: list[tuple[VKTensorRef, tuple]], y: Tensor, divisor: int) -> None:
        """One pass over up to NARY inputs (handle, shape) into y."""
        table = np.zeros(6 * (NARY + 1), np.int32)
        merged = index_table(y.shape, *(shape for _, shape in chunk))[0]
        table[:merged.size] = merged
        refs = [y.handle] + [h for h, _ in chunk] + [chunk[0][0]] * (NARY - len(chunk))
        refs.append(self.workspace.table_ref(table))
        modes = "w" + "r" * len(chunk) + "-" * (NARY - len(chunk)) + "r"
        variant = "f16s" if self.variant(y) == "f16" else self.variant(y)    # sums of half in float
        self.dispatch("nary", variant, refs, modes,
                      pack(np.int32(y.size), np.int32(len(chunk)), np.int32(divisor)), y.size,
                      constants=(OPS[self.node.op_type],))
