"""Data movement on the GPU backends: what their region-copy executions share.

Transpose, Concat, Split, Slice, Pad, DepthToSpace, SpaceToDepth, Expand, Tile and Gather
with constant indices lower (``gpu_infer.geometry.lower``) to regions; a GPU execution then
runs one region-copy dispatch per (source, destination) pair, with the pair's region table
in a small device buffer. Format conversions on one device (FP16 <-> FP32 storage, plain <->
NC4HW4) are region copies too, through the conversion variants of the same kernel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DeviceError, GpuInferError
from ..geometry import FILL, RasterPlan, Region, dispatches, fits_int32, from_packed, kernel_table, lower, \
    to_packed, total_elements
from ..geometry.table import INT32_MAX
from .base import Execution, Layout, Tensor

RASTER_OPS = ("Transpose", "Concat", "Split", "Slice", "Pad", "DepthToSpace", "SpaceToDepth", "Expand", "Tile",
              "Gather")
CONVERSIONS = {(np.dtype(np.float32), np.dtype(np.float16)): "f32-f16",
               (np.dtype(np.float16), np.dtype(np.float32)): "f16-f32"}


@dataclass
class Dispatch:
    src: int                   # input index, or FILL
    dst: int                   # output index
    table: np.ndarray          # (rows, TABLE_WIDTH) int32
    total: int                 # work items


@dataclass
class RasterWork:
    """Everything the kernels of one region plan need."""
    dispatches: list[Dispatch]
    variant: str               # "b1" | "b2" | "b4" | "b8" (bit copies) | "f32-f16" | "f16-f32"
    fill_bits: int             # the fill value's bits in the element type (FILL dispatches)

    @property
    def elem_bytes(self) -> int:
        return int(self.variant[1:]) if self.variant.startswith("b") else 0


def raster_work(plan: RasterPlan, src_dtype: np.dtype, dst_dtype: np.dtype) -> RasterWork:
    """The dispatches of `plan` between tensors stored as `src_dtype` and `dst_dtype`."""
    src_dtype, dst_dtype = np.dtype(src_dtype), np.dtype(dst_dtype)
    if src_dtype == dst_dtype:
        variant = f"b{dst_dtype.itemsize}"
    elif (src_dtype, dst_dtype) in CONVERSIONS:
        variant = CONVERSIONS[(src_dtype, dst_dtype)]
    else:
        raise DeviceError(f"no device conversion from {src_dtype} to {dst_dtype}")
    bits = 0
    if plan.fill_value is not None:
        raw = np.asarray(plan.fill_value).astype(dst_dtype).reshape(1)
        bits = int(raw.view(f"u{dst_dtype.itemsize}")[0])
    work = [Dispatch(src, dst, kernel_table(plan, src, dst), total_elements(plan, src, dst))
            for src, dst in dispatches(plan)]
    return RasterWork([d for d in work if d.total], variant, bits)


def conversion_work(src: Tensor, dst: Tensor) -> RasterWork:
    """The region copy turning `src`'s storage into `dst`'s: same tensor, another format."""
    shape = tuple(src.shape)
    if src.layout is dst.layout:
        n = math.prod(shape)
        plan = RasterPlan([Region(0, 0, (n,), 0, (1,), 0, (1,))] if n else [], None)
    elif src.layout is Layout.PLAIN and dst.layout is Layout.NC4HW4:
        plan = to_packed(shape)
    elif src.layout is Layout.NC4HW4 and dst.layout is Layout.PLAIN:
        plan = from_packed(shape)
    else:
        raise DeviceError(f"no device conversion of '{src.name}' from {src.layout.value} to {dst.layout.value}")
    return raster_work(plan, src.store_dtype, dst.store_dtype)


def check_bases(work: RasterWork, tensors: list[tuple[int, int]]) -> None:
    """(element base, element count) of each tensor must stay within int32 indexing."""
    for base, count in tensors:
        if base + count > INT32_MAX:
            raise DeviceError(f"a tensor ends at element {base + count}, beyond int32 indexing of the region copy")


class RasterExecution(Execution):
    """A data-movement node as region copies; subclasses bind and dispatch the kernel."""

    @classmethod
    def plan_for(cls, node, inputs, outputs) -> RasterPlan | None:
        try:
            plan = lower(node, [t.shape if t is not None else None for t in inputs],
                         [t.constant if t is not None else None for t in inputs],
                         [t.shape for t in outputs if t is not None])
        except GpuInferError:
            return None                         # an invalid node: validation names it
        shapes = [t.shape if t is not None else None for t in inputs]
        if plan is None or not fits_int32(plan, shapes, [t.shape for t in outputs if t is not None]):
            return None
        return plan

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        moved = [t for k, t in enumerate(inputs) if t is not None and cls.moves_input(node, k)] + \
                [t for t in outputs if t is not None]
        if any(np.dtype(t.dtype) == np.dtype(object) for t in moved):
            return False
        return cls.plan_for(node, inputs, outputs) is not None

    @staticmethod
    def moves_input(node, index: int) -> bool:
        """Only Concat copies from several inputs; the others' extra inputs are constants read
        at planning (indices, pads, starts...)."""
        return index == 0 or node.op_type == "Concat"

    def reads_input(self, index: int) -> bool:
        return self.moves_input(self.node, index)

    def raster(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> RasterWork:
        plan = self.plan_for(self.node, inputs, outputs)
        assert plan is not None, "supports() accepted the node"
        dtype = outputs[0].store_dtype
        return raster_work(plan, dtype, dtype)


__all__ = ["RASTER_OPS", "Dispatch", "RasterWork", "RasterExecution", "raster_work", "conversion_work",
           "check_bases", "FILL"]
