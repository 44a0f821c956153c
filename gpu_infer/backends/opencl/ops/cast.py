"""Cast and CastLike on OpenCL (cl_kernels/cast.cl): between the types the backend stores (float16,
float32, float64 where the device has double, the integers, bool); the rules are cast.cl's."""
from __future__ import annotations

import numpy as np

from ..execution import ref_args
from ..registry import register
from .elementwise import BOOL, NUMBERS, CLElementwise, fits, flat_launch, holds

TYPES = NUMBERS | {BOOL}


@register("Cast", "CastLike")
class CLCast(CLElementwise):
    family = "cast"

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        x, y = inputs[0], outputs[0]
        return x is not None and holds(x.dtype, TYPES) and holds(y.dtype, TYPES) and fits([x])

    def reads_input(self, index: int) -> bool:
        return index == 0                 # CastLike's second input gives only the type

    def on_resize(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        self.launches = [self.bind("cast", [*ref_args(x), *ref_args(y), np.int32(y.size)],
                                   self.role("A", x) + self.role("B", y), flat_launch(y.size))] if y.size else []
