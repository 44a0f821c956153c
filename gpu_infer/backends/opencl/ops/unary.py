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
# op type -> (kernel, the element types it takes, its parameters (attribute, default) as alpha and beta)
UNARY: dict[str, tuple[str, frozenset[np.dtype], tuple[tuple[str, float], ...]]] = {
    "Relu": ("relu", SIGNED, ()),
    "Abs": ("abs", NUMBERS, ()),
    "Neg": ("neg", SIGNED, ()),
    "LeakyRelu": ("leaky_relu", FLOATS, (("alpha", 0.01),)),
    "Sigmoid": ("sigmoid", FLOATS, ()),
    "HardSigmoid": ("hard_sigmoid", FLOATS, (("alpha", 0.2), ("beta", 0.5))),
    "HardSwish": ("hard_swish", FLOATS, ()),
    "Tanh": ("tanh", FLOATS, ()),
    "Elu": ("elu", FLOATS, (("alpha", 1.0),)),
    "Erf": ("erf", FLOATS, ()),
    "Gelu": ("gelu", FLOATS, ()),
    "Softplus": ("softplus", FLOATS, ()),
    "Sqrt": ("sqrt", FLOATS, ()),
    "Exp": ("exp", FLOATS, ()),
    "Log": ("log", FLOATS, ()),
    "Reciprocal": ("reciprocal", FLOATS, ()),
    "Clip": ("clip", NUMBERS, ()),
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
        name, _, params = UNARY[self.node.op_type]
        if self.node.op_type == "Gelu" and self.node.attr("approximate", "none") == "tanh":
            name = "gelu_tanh"
        args = [*ref_args(x), *ref_args(y), np.int32(y.size)]
        if self.node.op_type == "Clip":
            name, args = self.clip_arguments(inputs, args)
        else:
            alpha, beta = [self.node.attr(attr, default) for attr, default in params] + [0.0] * (2 - len(params))
            args += [self.scalar(x, alpha), self.scalar(x, beta)]
        self.launches = [self.bind(f"unary_{name}", args, self.role("A", x), flat_launch(y.size))]

    def clip_arguments(self, inputs: list[Tensor | None], args: list[Any]) -> tuple[str, list[Any]]:
        """Clip's kernel and arguments: bounds known at planning (attributes before opset 11,
        constant inputs) are arguments, bounds computed at run time are read from the device."""
        x = inputs[0]
        if self.node.opset < 11:
            bounds = [self.node.attr("min"), self.node.attr("max")]
        else:
            given = [t if t is not None and t.size else None for t in (list(inputs[1:]) + [None, None])[:2]]
            if any(t is not None and t.constant is None for t in given):
                refs: list[Any] = []
                for t in given:          # absent: x's buffer as a placeholder, never read
                    refs += [*ref_args(x), np.int32(0)] if t is None else [*ref_args(t), np.int32(1)]
                return "clip_tensors", args + refs
            with np.errstate(over="ignore"):       # as the device would hold them
                bounds = [None if t is None else t.constant.reshape(()).astype(t.store_dtype) for t in given]
        dtype = np.dtype(x.dtype)
        lowest, highest = (-np.inf, np.inf) if dtype.kind == "f" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        lo, hi = (default if b is None else b for b, default in zip(bounds, (lowest, highest)))
        return "clip", args + [self.scalar(x, lo), self.scalar(x, hi)]
