"""Unary elementwise ops and Clip on OpenCL (cl_kernels/unary.cl): one kernel over the flat
tensor, VEC elements per work-item, the op's parameters as arguments."""
from __future__ import annotations

import numpy as np

from ...unary_ops import UNARY, clip_bounds, gelu_supported, kernel_op, parameters, takes
from ..execution import ref_args
from ..registry import register
from .elementwise import CLElementwise, fits, flat_launch, holds

@register(*UNARY)
class CLUnary(CLElementwise):
    family = "unary"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x = inputs[0]
        return x is not None and gelu_supported(node) and takes(node.op_type, x.dtype) and holds(x.dtype) and \
            fits(inputs[:1])

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        self.launches = []
        if not y.size:
            return
        kernel, options = "unary", [f"-DOP=OP_{kernel_op(self.node)}"]
        args = [*ref_args(x), *ref_args(y), np.int32(y.size)]
        if self.node.op_type == "Clip":
            bounds = clip_bounds(self.node, inputs)
            if bounds is None:
                kernel, options = "clip_tensors", []
                for t in (list(inputs[1:]) + [None, None])[:2]:     # absent: x as a placeholder, never read
                    args += [*ref_args(x), np.int32(0)] if t is None or not t.size else [*ref_args(t), np.int32(1)]
            else:
                args += [self.scalar(x, bound) for bound in bounds]
        else:
            args += [self.scalar(x, v) for v in parameters(self.node)]
        self.launches = [self.bind(kernel, args, self.role("A", x) + options, flat_launch(y.size))]
