"""Gather on Vulkan: region copies for constant indices, else spirv_shaders/gather.comp.

The kernel path records three commands: a fill of the error word (no index out of range yet),
the gather (which writes the position of a bad index there), and, where the device's memory is
not host-visible, a copy of the word into a read-back buffer. After the fence the host checks
the word and raises, naming the index, if one was out of range."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...gather_exec import ERROR_WORD, NO_ERROR, GatherExecution
from ..dispatch import VKDispatch
from ..hazards import Span
from ..memory import VKBuffer, VKTensorRef
from ..registry import register
from .raster import raster_dispatches


class _FillWord:
    """vkCmdFillBuffer of the error word: no bad index seen yet."""

    def __init__(self, rt: Any, word: VKTensorRef):
        self.rt, self.word = rt, word

    def accesses(self) -> tuple[list[Span], list[Span]]:
        return [], [self.word.span()]

    def record(self, cmd: Any) -> None:
        self.rt.vk.vkCmdFillBuffer(cmd, self.word.buf.buffer, self.word.offset, ERROR_WORD.nbytes, NO_ERROR)


class _ReadWord:
    """A copy of the error word into a host-readable buffer (device memory not host-visible)."""

    def __init__(self, rt: Any, word: VKTensorRef, host: VKBuffer):
        self.rt, self.word, self.host = rt, word, host

    def accesses(self) -> tuple[list[Span], list[Span]]:
        return [self.word.span()], [Span(id(self.host), 0, ERROR_WORD.nbytes)]

    def record(self, cmd: Any) -> None:
        vk = self.rt.vk
        region = vk.VkBufferCopy(srcOffset=self.word.offset, dstOffset=0, size=ERROR_WORD.nbytes)
        vk.vkCmdCopyBuffer(cmd, self.word.buf.buffer, self.host.buffer, 1, [region])


@register("Gather")
class VKGather(GatherExecution):
    regions: list[VKDispatch] | None = None
    dispatch: VKDispatch | None = None

    def bind_regions(self, work, inputs, outputs) -> None:
        self.regions = raster_dispatches(self.workspace, work, inputs, outputs)

    def bind_kernel(self, inputs, outputs) -> None:
        if not self.shape.total:
            return
        shape, ws = self.shape, self.workspace
        rt = ws.rt
        self.indices, self.index_dtype = inputs[1].handle, inputs[1].store_dtype
        self.word_buffer = rt.create_buffer(ERROR_WORD.nbytes, f"the error word of {self.node.describe()}")
        self.word = VKTensorRef(self.word_buffer, 0, ERROR_WORD.nbytes)
        self.readback = None if self.word.mapped else rt.create_buffer(
            ERROR_WORD.nbytes, f"the error word of {self.node.describe()}", "read")
        push = np.array([shape.n, shape.inner, shape.count, shape.total], np.int32)
        refs = [inputs[0].handle, self.indices, outputs[0].handle, self.word]
        self.dispatch = VKDispatch(ws, "gather", self.variant, refs, "rrww", push, shape.total)

    def on_execute(self, inputs, outputs) -> None:
        ws = self.workspace
        if self.regions is not None:
            for d in self.regions:
                ws.record(d)
        elif self.dispatch is not None:
            ws.record(_FillWord(ws.rt, self.word))
            ws.record(self.dispatch)
            if self.readback is not None:
                ws.record(_ReadWord(ws.rt, self.word, self.readback))
            ws.after_submit(self.check)

    def check(self) -> None:
        word = self.word.host_view() if self.readback is None else self.readback.array[:ERROR_WORD.nbytes]
        self.check_error_word(int(word.view(np.uint32)[0]), self.index_at)

    def index_at(self, position: int) -> int | str:
        if not self.indices.mapped:
            return "(not readable from the host)"
        return int(self.indices.host_view().view(self.index_dtype)[position])

    def on_release(self) -> None:
        rt = self.workspace.rt if self.workspace is not None else None
        for buf in (getattr(self, "word_buffer", None), getattr(self, "readback", None)):
            if rt is not None and buf is not None:
                rt.destroy_buffer(buf)
        self.word_buffer = self.readback = None
