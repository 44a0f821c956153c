"""Gather on the GPU backends: what the OpenCL and Vulkan executions share.

One execution per backend takes every Gather and picks its path in ``on_resize``:

- constant indices that lower to regions (``RasterExecution.plan_for``): region copies, as
  the other data-movement ops;
- otherwise (indices known only at run time, or too scattered for regions) the gather kernel
  (``cl_kernels/gather.cl``, ``spirv_shaders/gather.comp``): int32 or int64 indices read on the
  device, any axis, a bit copy of 1-, 2-, 4- or 8-byte elements.

Out-of-range indices: ONNX makes an index outside ``[-n, n)`` an error, and the CPU backend
raises. The kernel cannot raise, so it writes zeros for such an element and records the first
bad index position in a 4-byte error word that the host resets before each run and reads
after it; the execution then raises ``ExecutionError`` naming the node, the indices tensor, the
position and the value. Both GPUs and the CPU thus refuse the same inputs, and agree exactly
on every input the specification defines (negative indices included).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ExecutionError
from ..geometry import RasterPlan
from ..geometry.table import INT32_MAX
from .base import Execution, Tensor
from .raster_exec import RasterExecution, RasterWork, raster_work

NO_ERROR = 0xFFFFFFFF            # the error word when every index was in range
ELEM_BYTES = (1, 2, 4, 8)
INDEX_BITS = {np.dtype(np.int32): 32, np.dtype(np.int64): 64}
ERROR_WORD = np.array([NO_ERROR], np.uint32)


@dataclass(frozen=True)
class GatherShape:
    """The data as (outer, n, inner) around the axis, and the indices' shape."""
    axis: int
    outer: int
    n: int
    inner: int
    indices_shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return math.prod(self.indices_shape)

    @property
    def total(self) -> int:
        return self.outer * self.count * self.inner


def gather_shape(node, data: Tensor, indices: Tensor) -> GatherShape | None:
    """The kernel's view of this Gather; None for a scalar data or an axis out of range."""
    rank = len(data.shape)
    axis = int(node.attr("axis", 0))
    if not rank or not -rank <= axis < rank:
        return None
    axis %= rank
    shape = [int(d) for d in data.shape]
    return GatherShape(axis, math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:]),
                       tuple(int(d) for d in indices.shape))


def kernel_variant(data_format_bytes: int, indices: Tensor) -> str:
    """The kernel variant: data element bytes and index width, e.g. "b4.i64"."""
    return f"b{data_format_bytes}.i{INDEX_BITS[np.dtype(indices.dtype)]}"


class GatherExecution(Execution):
    """Gather by region copies (constant indices) or by the gather kernel (the rest)."""

    @staticmethod
    def region_plan(node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> RasterPlan | None:
        if inputs[1] is None or inputs[1].constant is None:
            return None
        return RasterExecution.plan_for(node, inputs, outputs)

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        data, indices = inputs[0], inputs[1] if len(inputs) > 1 else None
        out = outputs[0]
        if data is None or indices is None or out is None:
            return False
        dtype = np.dtype(data.dtype)
        if dtype.kind not in "biufc" or dtype.itemsize not in ELEM_BYTES:
            return False
        if cls.region_plan(node, inputs, outputs) is not None:
            return True
        shape = gather_shape(node, data, indices)
        return (shape is not None and np.dtype(indices.dtype) in INDEX_BITS
                and tuple(out.shape) == tuple(data.shape[:shape.axis]) + tuple(indices.shape)
                + tuple(data.shape[shape.axis + 1:])
                and max(data.size, out.size, shape.count) <= INT32_MAX)

    def on_resize(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        plan = self.region_plan(self.node, inputs, outputs)
        self.uses_regions = plan is not None
        if plan is not None:
            dtype = outputs[0].store_dtype
            self.bind_regions(raster_work(plan, dtype, dtype), inputs, outputs)
            return
        self.shape = gather_shape(self.node, inputs[0], inputs[1])
        assert self.shape is not None, "supports() accepted the node"
        self.variant = kernel_variant(outputs[0].store_dtype.itemsize, inputs[1])
        self.bind_kernel(inputs, outputs)

    def bind_regions(self, work: RasterWork, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Bind the region copies of a constant-index Gather."""
        raise NotImplementedError

    def bind_kernel(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Bind the gather kernel (self.shape, self.variant) and the error word."""
        raise NotImplementedError

    def check_error_word(self, word: int, index_at) -> None:
        """Raise when the kernel recorded an out-of-range index; `index_at(position)` reads
        the offending index from the device (error path only)."""
        if word == NO_ERROR:
            return
        indices_name, data_name = self.node.input(1), self.node.input(0)
        shape = self.shape
        where = ", ".join(str(int(i)) for i in np.unravel_index(word, shape.indices_shape))
        element = f"'{indices_name}'[{where}]" if shape.indices_shape else f"'{indices_name}'"
        raise ExecutionError(f"{self.node.describe()}: index {element} = {index_at(word)} is outside "
                             f"[-{shape.n}, {shape.n}) for axis {shape.axis} of '{data_name}'")
