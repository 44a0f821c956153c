"""Relu and broadcasting Add on OpenCL (cl_kernels/elementwise.cl)."""
from __future__ import annotations

import numpy as np

from ...base import Execution, Tensor
from ...common import binary_input_shape
from ...gpu_common import broadcast_table, float_tensors
from ..registry import register

WORK_GROUP = 64


def _global_size(n: int) -> tuple[int]:
    return (max(-(-n // WORK_GROUP), 1) * WORK_GROUP,)


class CLElementwise(Execution):
    """Binds its kernel's arguments once in on_resize; on_execute only enqueues."""
    kernel_name = ""
    options: list[str] = []

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return float_tensors(inputs) and float_tensors(outputs)

    def on_resize(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        rt = self.backend.rt
        program = rt.program("elementwise", self.backend.build_options(self.precision) + self.options)
        self.n = outputs[0].size
        self.what = f"kernel '{self.kernel_name}' of {self.node.describe()}"
        self.kernel = rt.kernel(program, self.kernel_name, self.arguments(inputs, outputs), self.node.describe())

    def arguments(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> list:
        raise NotImplementedError

    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        if self.n:
            self.backend.rt.enqueue(self.workspace.queue, self.kernel, _global_size(self.n), (WORK_GROUP,), self.what)


@register("Relu")
class CLRelu(CLElementwise):
    kernel_name = "relu"

    def arguments(self, inputs, outputs) -> list:
        x, y = inputs[0].handle, outputs[0].handle
        return [x.buffer, np.int32(x.offset), y.buffer, np.int32(y.offset), np.int32(self.n)]


@register("Add")
class CLBinary(CLElementwise):
    kernel_name = "binary"
    options = ["-DOP_ADD"]

    def arguments(self, inputs, outputs) -> list:
        a, b, y = inputs[0], inputs[1], outputs[0]
        table = broadcast_table(y.shape, a.shape, binary_input_shape(self.node, a.shape, b.shape))
        self.table = self.backend.rt.buffer(table.nbytes, "a broadcast table", hostbuf=table, read_only=True)
        return [a.handle.buffer, np.int32(a.handle.offset), b.handle.buffer, np.int32(b.handle.offset),
                y.handle.buffer, np.int32(y.handle.offset), self.table, np.int32(self.n)]

    def on_release(self) -> None:
        table = getattr(self, "table", None)
        if table is not None:
            self.backend.rt.free(table)
            self.table = None
