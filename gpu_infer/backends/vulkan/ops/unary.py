"""Unary elementwise ops and Clip on Vulkan (spirv_shaders/unary.comp): one invocation per element,
the op a specialization constant, its parameters push constants."""
from __future__ import annotations

import numpy as np

from ...unary_ops import UNARY, clip_bounds, gelu_supported, kernel_op, parameters, takes
from ..execution import kernel_tensors, pack
from ..registry import register
from .elementwise import NUMBERS, VKElementwise, float_reads, texel_code, texel_mode

OP_CODES = {name: code for code, name in enumerate((
    "RELU", "ABS", "NEG", "CLIP", "LEAKY_RELU", "SIGMOID", "HARD_SIGMOID", "HARD_SWISH", "TANH", "ELU", "ERF",
    "GELU", "GELU_TANH", "SOFTPLUS", "SQRT", "EXP", "LOG", "RECIPROCAL"))}    # unary.comp's OP_*
# ops GLSL has the double-precision functions for (no exp, log, tanh on doubles)
FLOAT64_OPS = frozenset({"Relu", "Abs", "Neg", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sqrt", "Reciprocal"})


@register(*UNARY)
class VKUnary(VKElementwise):
    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        x = inputs[0]
        if x is None:
            return "no input"
        if not gelu_supported(node):
            return f"approximate={node.attr('approximate')!r} is not a Gelu form"
        if not takes(node.op_type, x.dtype):
            return f"{node.op_type} is not defined on {np.dtype(x.dtype).name}"
        if np.dtype(x.dtype) == np.float64 and node.op_type not in FLOAT64_OPS:
            return f"{node.op_type} on float64: GLSL has no double-precision exp / log / tanh"
        return kernel_tensors([x, outputs[0]], NUMBERS)

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if not y.size:
            return
        op = OP_CODES[kernel_op(self.node)]
        if self.node.op_type == "Clip" and (bounds := clip_bounds(self.node, inputs)) is None:
            lo, hi = (list(inputs[1:]) + [None, None])[:2]
            given = [t is not None and t.size > 0 for t in (lo, hi)]
            refs = [x.handle, y.handle] + [t.handle if g else x.handle for t, g in zip((lo, hi), given)]
            self.dispatch("unary_clip", self.variant(x), refs, "rw" + "".join("r" if g else "-" for g in given),
                          pack(np.int32(y.size), *(np.int32(g) for g in given)), y.size)
            return
        alpha, beta = bounds if self.node.op_type == "Clip" else parameters(self.node)
        refs, modes, invocations = [x.handle, y.handle], "rw", y.size
        vec = float_reads("unary", self.variant(x), y.size)
        if vec:
            refs, modes, invocations = refs + [x.handle], "tw" + texel_mode(vec), y.size // vec
        self.dispatch("unary", self.variant(x), refs, modes,
                      pack(np.int32(y.size), np.int32(0), self.scalar(x, alpha), self.scalar(x, beta)), invocations,
                      constants=(op, max(vec, 1)), texel=texel_code(self.variant(x)))
