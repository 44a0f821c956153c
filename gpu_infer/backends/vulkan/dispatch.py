"""One bound compute dispatch: pipeline, descriptor set, push constants and group counts,
made at resize time and recorded as often as needed."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .runtime import LOCAL_SIZE, VKRuntime


class VKDispatch:
    def __init__(self, rt: VKRuntime, workspace: Any, stem: str, variant: str, refs: Sequence[Any],
                 push: np.ndarray, invocations: int):
        data = push.tobytes()
        self.rt = rt
        self.pipe = rt.pipeline(stem, variant, len(refs), len(data))
        self.dset = workspace.descriptor_set(self.pipe, refs)
        self.push, self.push_size = rt.vk.ffi.new("char[]", data), len(data)
        groups = max(-(-invocations // LOCAL_SIZE), 1)     # wider than the group-count limit: spread over y
        self.gx = min(groups, rt.limits["max_group_count_x"])
        self.gy = -(-groups // self.gx)

    def record(self, cmd: Any) -> None:
        vk, pipe = self.rt.vk, self.pipe
        vk.vkCmdBindPipeline(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.pipeline)
        vk.vkCmdBindDescriptorSets(cmd, vk.VK_PIPELINE_BIND_POINT_COMPUTE, pipe.layout, 0, 1, [self.dset], 0, None)
        vk.vkCmdPushConstants(cmd, pipe.layout, vk.VK_SHADER_STAGE_COMPUTE_BIT, 0, self.push_size, self.push)
        vk.vkCmdDispatch(cmd, self.gx, self.gy, 1)
