"""Cast and CastLike on OpenCL (cl_kernels/cast.cl): between the types the backend stores (float16,
float32, float64 where the device has double, the integers, bool) and the narrow ONNX types
(bfloat16, float8, float8e8m0, float6, float4, int4, uint4, int2, uint2), which the device holds as their
raw bits (cl_kernels/small_types.h); the rules are cast.cl's."""
from __future__ import annotations

import numpy as np

from ...base import Tensor
from ...narrow_types import E8M0_ROUND, FLOAT8, SMALL
from ..execution import ref_args
from ..registry import register
from .elementwise import BOOL, NUMBERS, CLElementwise, fits, flat_launch, holds, role_options

TYPES = NUMBERS | {BOOL}


def castable(dtype) -> bool:
    return np.dtype(dtype) in SMALL or holds(dtype, TYPES)


@register("Cast", "CastLike")
class CLCast(CLElementwise):
    family = "cast"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x, y = inputs[0], outputs[0]
        return (x is not None and castable(x.dtype) and castable(y.dtype) and fits([x])
                and node.attr("round_mode", "up") in E8M0_ROUND)

    def reads_input(self, index: int) -> bool:
        return index == 0                 # CastLike's second input gives only the type

    def role(self, role: str, tensor: Tensor) -> list[str]:
        """A narrow type's role: its format, its bits' type, and float or int arithmetic."""
        if tensor.store_dtype not in SMALL:
            return super().role(role, tensor)
        fmt, bits, is_float = SMALL[tensor.store_dtype]
        arithmetic = [f"-D{role}_T=float", f"-D{role}_FLOAT"] if is_float else \
            [f"-D{role}_T=int", f"-D{role}_SIGNED", f"-D{role}_U=uint"]
        return [f"-D{role}_SMALL={fmt}", f"-D{role}_BITS={bits}", *arithmetic]

    def target_options(self, y: Tensor) -> list[str]:
        """saturate and round_mode, where they apply (float8 targets; float8e8m0's rounding)."""
        options = [] if y.store_dtype not in FLOAT8 or self.node.attr("saturate", 1) else ["-DSATURATE=0"]
        if SMALL.get(y.store_dtype, ("",))[0] == "E8M0":
            options.append(f"-DE8M0_ROUND={E8M0_ROUND[self.node.attr('round_mode', 'up')]}")
        return options

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if x.store_dtype == y.store_dtype and x.store_dtype in SMALL:     # the same bits: copy them
            bits = np.dtype(f"u{x.store_dtype.itemsize}")
            options = role_options("A", bits, self.precision) + role_options("B", bits, self.precision)
        else:
            options = self.role("A", x) + self.role("B", y) + self.target_options(y)
        self.launches = [self.bind("cast", [*ref_args(x), *ref_args(y), np.int32(y.size)], options,
                                   flat_launch(y.size))] if y.size else []
