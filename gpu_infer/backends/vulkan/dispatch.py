"""One bound compute dispatch: pipeline, descriptor set, push constants and group counts,
made at resize time and recorded when the segment is, as often as needed."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ...errors import DeviceError
from .hazards import Span
from .memory import VKTensorRef
from .texel import TEXEL_MODES


class VKDispatch:
    """`modes` says per binding whether the shader reads ("r"), writes ("w") or ignores ("-")
    it; that, not the bindings' order, is what barriers are decided from. "t" and "v" read it
    through a uniform texel buffer of `texel` elements (f32 or f16), one or four per texel: the
    shader's variant `variant.tx` (texel.py); where a binding cannot be one, the storage-buffer
    variant `variant` runs instead, reading the same bindings as storage buffers.

    `invocations` is a count (a 1-D shader reading INVOCATION_INDEX: work-groups of the runtime's
    local size, spread over y past the group-count limit) or a grid (x, y[, z]) of invocations
    for a shader reading gl_GlobalInvocationID, in work-groups of `local` (x, y, z: default the
    runtime's size along x; the shader checks bounds). `constants` are its specialization
    constants from SPEC_FIRST on (runtime.py)."""

    def __init__(self, workspace: Any, stem: str, variant: str, refs: Sequence[VKTensorRef], modes: str,
                 push: np.ndarray, invocations: int | tuple[int, ...], local: tuple[int, ...] | None = None,
                 constants: tuple[int, ...] = (), texel: str = "f32"):
        rt = workspace.rt
        data = push.tobytes()
        self.rt = rt
        self.refs = list(refs)
        if any(m in TEXEL_MODES for m in modes):
            if rt.texel.usable(self.refs, modes, texel):
                variant += ".tx"
            else:
                modes = "".join("r" if m in TEXEL_MODES else m for m in modes)
        self.stem, self.variant, self.modes = stem, variant, modes
        limit = rt.limits["max_storage_buffer_range"]
        for ref, mode in zip(self.refs, modes):
            if mode in "rw" and ref.bound_bytes > limit:
                raise DeviceError(f"{rt.name}: shader {stem}.{variant} binds {ref.nbytes} bytes as one storage buffer, "
                                  f"more than the device's maxStorageBufferRange ({limit} bytes)")
        if isinstance(invocations, (tuple, list)):
            local3 = (tuple(local or (rt.local_size,)) + (1, 1))[:3]
            grid = (tuple(int(n) for n in invocations) + (1, 1))[:3]
            self.groups = tuple(max(-(-n // q), 1) for n, q in zip(grid, local3))
            limits = rt.limits
            if any(g > m for g, m in zip(self.groups, limits["max_group_count"])) or \
                    math.prod(local3) > limits["max_group_invocations"] or \
                    any(q > m for q, m in zip(local3, limits["max_group_size"])):
                raise DeviceError(f"{rt.name}: shader {stem}.{variant}: work-groups {local3} x {self.groups} exceed "
                                  f"the device's limits")
        else:
            local3 = (rt.local_size, 1, 1)
            groups = max(-(-invocations // rt.local_size), 1)   # wider than the group-count limit: spread over y
            gx = min(groups, rt.limits["max_group_count_x"])
            self.groups = (gx, -(-groups // gx), 1)
        kinds = "".join("t" if m in TEXEL_MODES else "s" for m in modes)
        self.pipe = rt.pipeline(stem, variant, kinds, len(data), local3, constants)
        self.dset = workspace.descriptors.request(self.pipe, self.refs, modes, texel)
        self.push, self.push_size = rt.vk.ffi.new("char[]", data), len(data)

    def accesses(self) -> tuple[list[Span], list[Span]]:
        """(spans read, spans written)."""
        return ([r.span() for r, m in zip(self.refs, self.modes) if m == "r" or m in TEXEL_MODES],
                [r.span() for r, m in zip(self.refs, self.modes) if m == "w"])

    def record(self, cmd: Any) -> None:
        vk, pipe = self.rt.vk, self.pipe
        vk.vkCmdBindPipeline(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.pipeline)
        vk.vkCmdBindDescriptorSets(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.layout, 0, 1, [self.dset.handle],
                                   0, None)
        vk.vkCmdPushConstants(cmd, pipe.layout, vk.VK_SHADER_STAGE_COMPUTE_BIT, 0, self.push_size, self.push)
        vk.vkCmdDispatch(cmd, *self.groups)
