"""What the executions around the GEMM core share (Gemm, MatMul, Conv, ConvTranspose): float32
tensors within the kernels' 32-bit indexing, the storage type, the tile choice, and a run as
kernels before one product (packing, planes, transforms), the product, and kernels after it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...base import Tensor
from ...gpu_common import float_tensors
from ..execution import CLExecution
from .gemm_core import INT32_LIMIT, TILES, GemmLaunch, Launch, Tile, pick


def too_large(inputs: list[Tensor | None], outputs: list[Tensor | None], elements: int = 0) -> str | None:
    """Why the kernels cannot index these tensors or `elements` of scratch (32-bit indices), or None."""
    largest = max([t.size for t in inputs + outputs if t is not None] + [elements])
    if largest >= INT32_LIMIT:
        return (f"{largest} elements (tensor or scratch) exceed the OpenCL kernels' 32-bit indexing "
                f"(at most {INT32_LIMIT})")
    return None


def windowed(inputs: list[Tensor | None]) -> bool:
    """Conv-like operands: (N, C, 1 to 3 spatial dimensions) and weights of the same rank."""
    return 3 <= len(inputs[0].shape) <= 5 and len(inputs[1].shape) == len(inputs[0].shape)


@dataclass
class Steps:
    """A node's bound kernels in run order: those before the product, the product, those after."""
    before: list[Launch] = field(default_factory=list)
    product: GemmLaunch | None = None
    after: list[Launch] = field(default_factory=list)

    def enqueue(self, exe: CLExecution) -> None:
        for launch in self.before:
            launch.enqueue(exe)
        if self.product is not None:
            self.product.enqueue()
        for launch in self.after:
            launch.enqueue(exe)

    def release(self) -> None:
        if self.product is not None:
            self.product.release()
            self.product = None


class ProductExecution(CLExecution):
    """Binds its Steps in on_resize (subclasses' ``bind``) and enqueues them in on_execute."""

    family = "gemm"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tile: Tile | None = None
        self.steps = Steps()

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return float_tensors(inputs) and float_tensors(outputs) and cls.accepts(node, inputs)

    @classmethod
    def accepts(cls, node, inputs: list[Tensor | None]) -> bool:
        """Shapes and attributes the kernels take (beyond float32 tensors)."""
        return True

    @classmethod
    def scratch_limit(cls, node, inputs: list[Tensor | None]) -> int:
        """The largest scratch buffer in elements (checked against the 32-bit indexing)."""
        return 0

    @classmethod
    def refusal(cls, node, inputs, outputs) -> str | None:
        return super().refusal(node, inputs, outputs) or too_large(inputs, outputs, cls.scratch_limit(node, inputs))

    def store_dtype(self) -> np.dtype:
        return self.backend.storage_dtype(np.dtype(np.float32), self.precision)

    def choose_tile(self, inputs, outputs) -> Tile:
        if self.tile is None:
            self.tile = TILES[pick(self, inputs, outputs).param("tile")]
        return self.tile

    def on_resize(self, inputs, outputs) -> None:
        if outputs[0].size:
            self.steps = self.bind(inputs, outputs)

    def bind(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> Steps:
        """The node's kernels with their arguments bound (output not empty)."""
        raise NotImplementedError

    def on_execute(self, inputs, outputs) -> None:
        self.steps.enqueue(self)

    def on_release(self) -> None:
        self.steps.release()
