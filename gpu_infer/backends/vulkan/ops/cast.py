"""Cast and CastLike on Vulkan: between the types the backend stores (float16, float32, float64, the
integers, bool: spirv_shaders/cast.comp) and to, from and between the narrow ONNX types (bfloat16,
float8, float8e8m0, float6, float4, int4, uint4, int2, uint2: cast_small.comp), which the device
holds as their raw bits (small_types.glsl); the rules are the shaders'."""
from __future__ import annotations

import numpy as np

from ...base import Tensor
from ...narrow_types import E8M0_ROUND, FLOAT8, FORMAT_CODES, SMALL
from ..execution import kernel_tensors, pack, type_code
from ..registry import register
from .elementwise import FLOATS, INTEGERS, VKElementwise

TYPES = FLOATS | INTEGERS | {np.dtype(np.bool_)}
E8M0 = next(d for d, spec in SMALL.items() if spec[0] == "E8M0")


def bits_dtype(narrow: np.dtype) -> np.dtype:
    """The unsigned integer type a narrow type's bits are stored as."""
    return np.dtype(f"u{narrow.itemsize}")


def narrow_refusal(t: Tensor) -> str | None:
    """Why a kernel cannot hold the narrow tensor `t` as its bits (None: it can)."""
    return kernel_tensors([Tensor(t.name, t.shape, bits_dtype(np.dtype(t.dtype)))])


@register("Cast", "CastLike")
class VKCast(VKElementwise):
    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        x, y = inputs[0], outputs[0]
        if node.attr("round_mode", "up") not in E8M0_ROUND:
            return f"round_mode {node.attr('round_mode')!r} is none of {', '.join(E8M0_ROUND)}"
        for t in (x, y):
            if t is not None:
                why = narrow_refusal(t) if np.dtype(t.dtype) in SMALL else kernel_tensors([t], TYPES)
                if why is not None:
                    return why
        return None

    def reads_input(self, index: int) -> bool:
        return index == 0                 # CastLike's second input gives only the type

    def code(self, t: Tensor) -> str:
        """The shaders' type code of `t`: float16 only stored (f16s at every level), narrow types
        as their bits (cast_small.comp's n8, n16)."""
        if t.store_dtype in SMALL:
            return f"n{8 * t.store_dtype.itemsize}"
        return type_code(t.store_dtype, "fp32")

    def bind(self, inputs, outputs) -> None:
        x, y = inputs[0], outputs[0]
        if not y.size:
            return
        refs, push = [x.handle, y.handle], pack(np.int32(y.size))
        if x.store_dtype == y.store_dtype and x.store_dtype in SMALL:       # the same bits: copy them
            code = type_code(bits_dtype(x.store_dtype), "fp32")
            self.dispatch("cast", f"{code}.{code}", refs, "rw", push, y.size)
        elif x.store_dtype in SMALL or y.store_dtype in SMALL:
            self.dispatch("cast_small", f"{self.code(x)}.{self.code(y)}", refs, "rw", push, y.size,
                          constants=self.formats(x, y))
        else:
            self.dispatch("cast", f"{self.code(x)}.{self.code(y)}", refs, "rw", push, y.size)

    def formats(self, x: Tensor, y: Tensor) -> tuple[int, int, int, int]:
        """cast_small.comp's specialization constants: source and target formats, saturate (float8
        targets) and round_mode (float8e8m0 targets); 0 / 1 where they do not apply, so that casts
        alike share a pipeline."""
        saturate = int(bool(self.node.attr("saturate", 1))) if y.store_dtype in FLOAT8 else 1
        round_mode = E8M0_ROUND[self.node.attr("round_mode", "up")] if y.store_dtype == E8M0 else 0
        return FORMAT_CODES.get(x.store_dtype, 0), FORMAT_CODES.get(y.store_dtype, 0), saturate, round_mode
