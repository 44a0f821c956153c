"""Gather on Vulkan: region copies for constant indices, else spirv_shaders/gather.comp."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..gather_exec import ERROR_WORD, NO_ERROR, GatherExecution
from .dispatch import VKDispatch
from .raster import VKRasterDispatches
from .registry import register


def _after_submit(workspace: Any, check: Callable[[], None]) -> None:
    """Run `check` on the host after every submission of the segment being recorded.

    VKWorkspace has no public hook for this yet (asked of its owner as
    ``VKWorkspace.after_submit``); the recording's ``after`` list is where its own
    device-to-host copies run."""
    workspace._active.after.append(check)


@register("Gather")
class VKGather(GatherExecution):
    regions: VKRasterDispatches | None = None
    dispatch: VKDispatch | None = None

    def bind_regions(self, work, inputs, outputs) -> None:
        self.regions = VKRasterDispatches(self.workspace, work, inputs, outputs)

    def bind_kernel(self, inputs, outputs) -> None:
        if not self.shape.total:
            return
        shape, ws = self.shape, self.workspace
        self.indices, self.index_dtype = inputs[1].handle, inputs[1].store_dtype
        self.error = ws.constant_buffer(ERROR_WORD)
        push = np.array([shape.n, shape.inner, shape.count, shape.total], np.int32)
        refs = [inputs[0].handle, self.indices, outputs[0].handle, self.error]
        self.dispatch = VKDispatch(ws.rt, ws, "gather", self.variant, refs, push, shape.total)

    def on_execute(self, inputs, outputs) -> None:
        if self.regions is not None:
            if self.regions.dispatches:
                self.workspace.record(self.regions.record)
        elif self.dispatch is not None:
            self.workspace.record(self.record_kernel)
            _after_submit(self.workspace, self.check)

    def record_kernel(self, cmd: Any) -> None:
        """Reset the error word, then gather (a barrier between the fill and the shader)."""
        vk, err = self.workspace.rt.vk, self.error
        vk.vkCmdFillBuffer(cmd, err.buf.buffer, err.offset, ERROR_WORD.nbytes, NO_ERROR)
        self.workspace.barrier(cmd)
        self.dispatch.record(cmd)

    def check(self) -> None:
        self.check_error_word(int(self.error.view(np.uint32)[0]), self.index_at)

    def index_at(self, position: int) -> int:
        return int(self.indices.view(self.index_dtype)[position])
