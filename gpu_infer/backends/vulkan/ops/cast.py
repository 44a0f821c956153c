"""Cast and CastLike on Vulkan (spirv_shaders/cast.comp): between the types the backend stores
(float16, float32, float64, the integers, bool); the rules are cast.comp's."""
from __future__ import annotations

import numpy as np

from ..execution import kernel_tensors, pack, type_code
from ..registry import register
from .elementwise import FLOATS, INTEGERS, VKElementwise

TYPES = FLOATS | INTEGERS | {np.dtype(np.bool_)}


@register("Cast", "CastLike")
class VKCast(VKElementwise):
    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        return kernel_tensors([inputs[0], outputs[0]], TYPES)

    def reads_input(self, index: int) -> bool:
        return index == 0                 # CastLike's second input gives only the type

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if y.size:                        # float16 is only stored here, never computed on: f16s at every level
            source, target = (type_code(t.store_dtype, "fp32") for t in (x, y))
            self.dispatch("cast", f"{source}.{target}", [x.handle, y.handle], "rw", pack(np.int32(y.size)), y.size)
