"""What the reducing Vulkan families share (spirv_shaders/reduction.glsl: reduce, softmax, norm,
pool, resize, lrn): the element-type variant of their data and the two layouts of a reduction
with the cost model that chooses between them."""
from __future__ import annotations

import numpy as np

from ....scheduler.schemes import Scheme, choose_for
from ...base import Tensor
from ..dispatch import VKDispatch
from ..execution import VKExecution, type_code
from ..memory import VKTensorRef

LANES = 64                  # invocations the device runs at once (the estimate's parallelism)
GROUP_STEP = 0.1e-6         # a barrier step of the group layout, seconds (estimate)
ELEMENT = 1e-9              # an element read by one lane, seconds (estimate)
GROUP_LOCAL = 64            # the group layout's work-group size (a power of two, <= MAX_GROUP)
FLOAT32 = frozenset({np.dtype(np.float32)})


def data_variant(t: Tensor) -> str:
    """reduction.glsl's element type code of `t`: float data in float32 or half storage ("f16s"
    at both fp16 levels: these families compute in float), other types exact."""
    return type_code(t.store_dtype, "fp16-storage")


def data_modes(t: Tensor, modes: str) -> str:
    """The dispatch modes of bindings reading data tensor `t`: `modes` ("t" one element at a
    time, "v" four: texel reads, reduction.glsl) for float data; for other types, whose variants
    read storage buffers and declare no quad binding, "r" and unused ("-")."""
    if np.dtype(t.store_dtype).kind == "f":
        return modes
    return modes.replace("t", "r").replace("v", "-")


def layout_schemes(family: str, outputs: int, count: int) -> list[Scheme]:
    """"item" (an invocation per output) and "group" (a work-group per output, its invocations
    splitting the `count` elements, then log2(local) barrier steps), with an estimate of their
    time: item layouts leave lanes idle when the outputs are fewer than the device's lanes,
    which the group layout fills. (``gpu-infer bench --tune`` measures them.)"""
    count = max(count, 1)
    item = -(-outputs // LANES) * count * ELEMENT
    group = -(-outputs * GROUP_LOCAL // LANES) * (-(-count // GROUP_LOCAL) * ELEMENT + 6 * GROUP_STEP)
    return [Scheme(f"{family}.item", cost=item), Scheme(f"{family}.group", (("local", GROUP_LOCAL),), cost=group)]


class VKReducing(VKExecution):
    """An execution of the reducing families: one dispatch in the layout its scheme picks."""

    def reduce_dispatch(self, stem: str, variant: str, refs: list[VKTensorRef], modes: str, push: np.ndarray,
                        count: int, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> VKDispatch:
        """A dispatch of `count` reductions (outputs, rows) in the layout chosen for the node's
        tensors (specialization constant 3: GROUP); a group per reduction spreads over y past the
        group-count limit."""
        scheme = choose_for(self, inputs, outputs)
        if scheme.name.endswith(".group"):
            local = int(scheme.param("local"))
            gx = min(count, self.workspace.rt.limits["max_group_count_x"])
            grid = (gx * local, -(-count // gx))
            return self.dispatch(stem, variant, refs, modes, push, grid, (local,), constants=(1,))
        return self.dispatch(stem, variant, refs, modes, push, count, constants=(0,))
