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
        self.n = y.size
        self.sizes = flat_launch(self.n)
        self.bound = self.typed_kernel("cast", [*ref_args(x), *ref_args(y), np.int32(self.n)],
                                       self.role("A", x) + self.role("B", y))

    def on_execute(self, inputs, outputs) -> None:
        if self.n:
            self.enqueue(self.bound, *self.sizes)
