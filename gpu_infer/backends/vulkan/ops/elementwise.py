"""What the Vulkan elementwise executions share (unary.py, binary.py, cast.py, batchnorm.py): which
element types their shaders hold, push-constant types, and grids for the row / channel forms."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...base import Tensor
from ..execution import VKExecution, has_variant

FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
INTEGERS = frozenset(np.dtype(t) for t in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
                                            np.uint64))
NUMBERS = FLOATS | INTEGERS
GROUP = 64                      # invocations per work-group (along x)


def push_type(store: np.dtype) -> np.dtype:
    """The type a scalar of a role stored as `store` takes in push constants (elementwise.glsl's
    a_p): float for float32 and float16, else the arithmetic type (8- and 16-bit integers widened)."""
    store = np.dtype(store)
    if store.kind == "f":
        return np.dtype(np.float64 if store == np.float64 else np.float32)
    if store.itemsize == 8:
        return store
    return np.dtype(np.int32 if store.kind == "i" else np.uint32)


def float_reads(stem: str, variant: str, run: int) -> int:
    """Elements per invocation of `stem.variant` built with FLOAT_READS (elementwise.glsl: float32 and
    float16 read through texel views, its .tx twin; spec constant VEC): 16 or 4 (as vectors of
    four) where they divide the contiguous run, else 1; 0 where the shader has no such variant
    (storage-buffer reads, one element each)."""
    if not has_variant(stem, f"{variant}.tx"):
        return 0
    return next(vec for vec in (16, 4, 1) if run % vec == 0)


def texel_code(variant: str) -> str:
    """The texel element code (texel.py) of a FLOAT_READS variant's tensors: float16 storage or float32,
    whatever the precision (a float16 model tensor stays float16 at fp32)."""
    return "f16" if variant in ("f16s", "f16") else "f32"


def texel_mode(vec: int) -> str:
    """The dispatch mode of a binding read as vectors of four where `vec` is 4 or more (texel.py)."""
    return "v" if vec >= 4 else "t"


class VKElementwise(VKExecution):
    """An elementwise execution: element-type variants (types.glsl), one dispatch or a few."""

    def scalar(self, tensor: Tensor, value: Any) -> np.generic:
        """`value` as a push constant of `tensor`'s role."""
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(value).astype(push_type(tensor.store_dtype))[()]

    def grid(self, sizes: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, int, int]] | None:
        """(invocations per dim, work-group) for a row / channel grid of `sizes` (x contiguous):
        GROUP along x, or 8 x 8 over x and y when x is short; None past the group-count limits."""
        local = (GROUP, 1, 1) if sizes[0] >= GROUP // 2 or len(sizes) == 1 else (8, GROUP // 8, 1)
        limits = self.workspace.rt.limits["max_group_count"]
        if any(-(-n // q) > m for n, q, m in zip(sizes, local, limits)) or math.prod(sizes) == 0:
            return None
        return sizes, local
