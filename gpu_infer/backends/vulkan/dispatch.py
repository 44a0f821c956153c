"""One bound compute dispatch: pipeline, descriptor set, push constants and group counts,
made at resize time and recorded when the segment is, as often as needed."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .hazards import Span
from .memory import VKTensorRef


class VKDispatch:
    """`modes` says per binding whether the shader reads ("r"), writes ("w") or ignores ("-")
    it; that, not the bindings' order, is what barriers are decided from."""

    def __init__(self, workspace: Any, stem: str, variant: str, refs: Sequence[VKTensorRef], modes: str,
                 push: np.ndarray, invocations: int):
        rt = workspace.rt
        data = push.tobytes()
        self.rt = rt
        self.refs, self.modes = list(refs), modes
        self.pipe = rt.pipeline(stem, variant, len(refs), len(data), rt.local_size)
        self.dset = workspace.descriptors.request(self.pipe, refs)
        self.push, self.push_size = rt.vk.ffi.new("char[]", data), len(data)
        groups = max(-(-invocations // rt.local_size), 1)   # wider than the group-count limit: spread over y
        self.gx = min(groups, rt.limits["max_group_count_x"])
        self.gy = -(-groups // self.gx)

    def accesses(self) -> tuple[list[Span], list[Span]]:
        """(spans read, spans written)."""
        return ([r.span() for r, m in zip(self.refs, self.modes) if m == "r"],
                [r.span() for r, m in zip(self.refs, self.modes) if m == "w"])

    def record(self, cmd: Any) -> None:
        vk, pipe = self.rt.vk, self.pipe
        vk.vkCmdBindPipeline(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.pipeline)
        vk.vkCmdBindDescriptorSets(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.layout, 0, 1, [self.dset.handle],
                                   0, None)
        vk.vkCmdPushConstants(cmd, pipe.layout, vk.VK_SHADER_STAGE_COMPUTE_BIT, 0, self.push_size, self.push)
        vk.vkCmdDispatch(cmd, self.gx, self.gy, 1)
