"""What the GPU backends' unary elementwise executions share (opencl/ops/unary.py,
vulkan/ops/unary.py): each op's kernel code name, the element kinds it takes, its parameters,
and Clip's bounds known at planning."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Tensor

# op type -> (the kernels' OP_* name: cl_kernels/unary.cl, spirv_shaders/unary.comp; the element kinds
# it takes: "signed" (floats and signed integers), "numbers" or "floats"; its parameters (attribute,
# default) as alpha, beta)
UNARY: dict[str, tuple[str, str, tuple[tuple[str, float], ...]]] = {
    "Relu": ("RELU", "signed", ()),
    "Abs": ("ABS", "numbers", ()),
    "Neg": ("NEG", "signed", ()),
    "LeakyRelu": ("LEAKY_RELU", "floats", (("alpha", 0.01),)),
    "Sigmoid": ("SIGMOID", "floats", ()),
    "HardSigmoid": ("HARD_SIGMOID", "floats", (("alpha", 0.2), ("beta", 0.5))),
    "HardSwish": ("HARD_SWISH", "floats", ()),
    "Tanh": ("TANH", "floats", ()),
    "Elu": ("ELU", "floats", (("alpha", 1.0),)),
    "Erf": ("ERF", "floats", ()),
    "Gelu": ("GELU", "floats", ()),
    "Softplus": ("SOFTPLUS", "floats", ()),
    "Sqrt": ("SQRT", "floats", ()),
    "Exp": ("EXP", "floats", ()),
    "Log": ("LOG", "floats", ()),
    "Reciprocal": ("RECIPROCAL", "floats", ()),
    "Clip": ("CLIP", "numbers", ()),
}


def takes(op_type: str, dtype: Any) -> bool:
    """Whether op `op_type` is defined on elements of `dtype` (its kind; the device aside)."""
    kind, dtype = UNARY[op_type][1], np.dtype(dtype)
    return dtype.kind in {"signed": "fi", "numbers": "fiu", "floats": "f"}[kind]


def gelu_supported(node) -> bool:
    return node.op_type != "Gelu" or node.attr("approximate", "none") in ("none", "tanh")


def kernel_op(node) -> str:
    """The kernels' OP_* name of `node` (Gelu's tanh approximation is an op of its own)."""
    if node.op_type == "Gelu" and node.attr("approximate", "none") == "tanh":
        return "GELU_TANH"
    return UNARY[node.op_type][0]


def parameters(node) -> tuple[float, float]:
    """alpha and beta of `node` (0 where the op has none)."""
    params = UNARY[node.op_type][2]
    values = [node.attr(attr, default) for attr, default in params]
    return tuple(values + [0.0] * (2 - len(values)))


def clip_bounds(node, inputs: list[Tensor | None]) -> tuple[Any, Any] | None:
    """Clip's bounds when known at planning (attributes before opset 11, constant inputs; absent:
    the type's extremes), as the device holds them; None when one is computed at run time (the
    kernel then reads them)."""
    x = inputs[0]
    if node.opset < 11:
        bounds = [node.attr("min"), node.attr("max")]
    else:
        given = [t if t is not None and t.size else None for t in (list(inputs[1:]) + [None, None])[:2]]
        if any(t is not None and t.constant is None for t in given):
            return None
        with np.errstate(over="ignore"):       # as the device would hold them
            bounds = [None if t is None else t.constant.reshape(()).astype(t.store_dtype) for t in given]
    dtype = np.dtype(x.dtype)
    extremes = (-np.inf, np.inf) if dtype.kind == "f" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
    return tuple(default if b is None else b for b, default in zip(bounds, extremes))
