"""Data movement and format conversions on Vulkan: region copies (spirv_shaders/raster.comp)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Tensor
from ..raster_exec import FILL, RASTER_OPS, RasterExecution, RasterWork, conversion_work
from .dispatch import VKDispatch
from .registry import register


class VKRasterDispatches:
    """The bound dispatches of one region plan; each table lives in a small buffer of its own.

    Every tensor is bound through its own descriptor range, so the element bases are 0."""

    def __init__(self, workspace: Any, work: RasterWork, sources: list[Tensor | None], targets: list[Tensor]):
        rt = workspace.rt
        self.rt = rt
        self.tables = []
        self.dispatches: list[VKDispatch] = []
        for d in work.dispatches:
            table = workspace.constant_buffer(d.table)
            self.tables.append(table)
            dst = targets[d.dst].handle
            src = dst if d.src == FILL else sources[d.src].handle
            bits = work.fill_bits
            push = np.array([0, 0, len(d.table), d.total, bits & 0xFFFFFFFF, bits >> 32], np.uint32)
            stem = "raster_fill" if d.src == FILL else "raster"
            self.dispatches.append(VKDispatch(rt, workspace, stem, work.variant, [src, dst, table], push, d.total))

    def record(self, cmd: Any) -> None:
        for i, d in enumerate(self.dispatches):
            d.record(cmd)


@register(*(op for op in RASTER_OPS if op != "Gather"))       # Gather: gather.py (indices at run time too)
class VKRaster(RasterExecution):
    def on_resize(self, inputs, outputs) -> None:
        self.raster_dispatches = VKRasterDispatches(self.workspace, self.raster(inputs, outputs), inputs, outputs)

    def on_execute(self, inputs, outputs) -> None:
        if self.raster_dispatches.dispatches:
            self.workspace.record(self.raster_dispatches.record)


def conversion_dispatches(workspace: Any, src: Tensor, dst: Tensor) -> VKRasterDispatches:
    """Dispatches converting src's storage into dst's on the device (element type, layout)."""
    return VKRasterDispatches(workspace, conversion_work(src, dst), [src], [dst])
