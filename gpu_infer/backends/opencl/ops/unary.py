"""Unary elementwise ops and Clip on OpenCL (cl_kernels/unary.cl): one kernel over the flat
tensor, VEC elements per work-item, the op's parameters as arguments."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...base import Tensor
from ..execution import ref_args
from ..registry import register
from .elementwise import FLOATS, NUMBERS, CLElementwise, fits, flat_launch, holds

SIGNED = frozenset(t for t in NUMBERS if t.kind in "fi")
# op type -> (unary.cl's OP_*, the element types it takes, its parameters (attribute, default) as alpha, beta)
UNARY: dict[str, tuple[str, frozenset[np.dtype], tuple[tuple[str, float], ...]]] = {
    "Relu": ("RELU", SIGNED, ()),
    "Abs": ("ABS", NUMBERS, ()),
    "Neg": ("NEG", SIGNED, ()),
    "LeakyRelu": ("LEAKY_RELU", FLOATS, (("alpha", 0.01),)),
    "Sigmoid": ("SIGMOID", FLOATS, ()),
    "HardSigmoid": ("HARD_SIGMOID", FLOATS, (("alpha", 0.2), ("beta", 0.5))),
    "HardSwish": ("HARD_SWISH", FLOATS, ()),
    "Tanh": ("TANH", FLOATS, ()),
    "Elu": ("ELU", FLOATS, (("alpha", 1.0),)),
    "Erf": ("ERF", FLOATS, ()),
    "Gelu": ("GELU", FLOATS, ()),
    "Softplus": ("SOFTPLUS", FLOATS, ()),
    "Sqrt": ("SQRT", FLOATS, ()),
    "Exp": ("EXP", FLOATS, ()),
    "Log": ("LOG", FLOATS, ()),
    "Reciprocal": ("RECIPROCAL", FLOATS, ()),
    "Clip": ("CLIP", NUMBERS, ()),
}


@register(*UNARY)
class CLUnary(CLElementwise):
    family = "unary"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        _, types, _ = UNARY[node.op_type]
        if node.op_type == "Gelu" and node.attr("approximate", "none") not in ("none", "tanh"):
            return False
        return inputs[0] is not None and holds(inputs[0].dtype, types) and fits(inputs[:1])

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        self.launches = []
        if not y.size:
            return
        op, _, params = UNARY[self.node.op_type]
        if self.node.op_type == "Gelu" and self.node.attr("approximate", "none") == "tanh":
            op = "GELU_TANH"
        kernel, options = "unary", [f"-DOP=OP_{op}"]
        args = [*ref_args(x), *ref_args(y), np.int32(y.size)]
        if self.node.op_type == "Clip":
            bounds = self.clip_bounds(inputs)
            if bounds is None:
                kernel, options = "clip_tensors", []
                for t in (list(inputs[1:]) + [None, None])[:2]:     # absent: x as a placeholder, never read
                    args += [*ref_args(x), np.int32(0)] if t is None or not t.size else [*ref_args(t), np.int32(1)]
            else:
                args += [self.scalar(x, bound) for bound in bounds]
        else:
            alpha, beta = [self.node.attr(attr, default) for attr, default in params] + [0.0] * (2 - len(params))
            args += [self.scalar(x, alpha), self.scalar(x, beta)]
        self.launches = [self.bind(kernel, args, self.role("A", x) + options, flat_launch(y.size))]

    def clip_bounds(self, inputs: list[Tensor | None]) -> tuple[Any, Any] | None:
        """Clip's bounds when known at planning (attributes before opset 11, constant inputs; absent:
        the type's extremes); None when one is computed at run time (the kernel then reads them)."""
        x = inputs[0]
        if self.node.opset < 11:
            bounds = [self.node.attr("min"), self.node.attr("max")]
        else:
            given = [t if t is not None and t.size else None for t in (list(inputs[1:]) + [None, None])[:2]]
            if any(t is not None and t.constant is None for t in given):
                return None
            with np.errstate(over="ignore"):       # as the device would hold them
                bounds = [None if t is None else t.constant.reshape(()).astype(t.store_dtype) for t in given]
        dtype = np.dtype(x.dtype)
        extremes = (-np.inf, np.inf) if dtype.kind == "f" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        return tuple(default if b is None else b for b, default in zip(bounds, extremes))
