"""Gemm and MatMul on Vulkan: the GEMM core (gemm_core.py) with A packed as the tiles read it.

A constant operand is packed (A) or transposed (B with transB) once per session through
``prepare_weight``; a runtime one by gemm_pack.comp into scratch each run. MatMul folds its batch
into the rows when B is one matrix for every batch (X @ W), else runs one grid slice per output
batch with broadcast offsets (gemm_common.MatMulForm).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...gemm_common import GemmForm, GemmOperands, MatMulForm, packed_elems
from ...gpu_common import FUSED
from ..registry import register
from .gemm_core import ProductExecution, device_of, gemm_schemes


class MatrixProduct(ProductExecution):
    """A Gemm or MatMul: one product of a (maybe packed) A and B, scratch for runtime packing."""

    def schemes(self, inputs, outputs):
        return gemm_schemes(self.node.op_type.lower(), self.shape(inputs, outputs), device_of(self))

    def scratch_bytes(self, inputs, outputs) -> list[int]:
        if not outputs[0].size:
            return []
        tile, item = self.tile(inputs, outputs), self.store_dtype().itemsize
        return [max(n, 1) * item for n in self.runtime_packs(inputs, tile)]


@register("Gemm")
class VKGemm(GemmForm, MatrixProduct):
    """Y = act(alpha * A' @ B' + beta * C), C broadcast to Y (any opset)."""

    activations = FUSED

    def bind(self, inputs, outputs) -> None:
        if not outputs[0].size:
            return
        a, b, c = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
        m, k, n = self.dims(inputs)
        tile = self.tile(inputs, outputs)
        ta, tb = self.node.attr("transA", 0), self.node.attr("transB", 0)
        if a.constant is not None:
            packed_a = self.packed_constant(a.constant, tile, m, k, 1, bool(ta))
        else:
            packed_a = self.scratch(0)
            self.pack_rows(a, packed_a, tile.rows, 1, m, k, 1, (0, 1, m, 0) if ta else (0, k, 1, 0))
        b_rows: Any = b
        if tb and b.constant is not None:
            b_rows = self.transposed_constant_b(b)
        elif tb:
            b_rows = self.scratch(1)
            self.pack_rows(b, b_rows, 1, 1, k, n, 1, (0, 1, k, 0))
        self.gemm(tile, self.shape(inputs, outputs), GemmOperands(
            packed_a, b_rows, outputs[0], b_cstride=n, y_mstride=n, batches=np.zeros((1, 3), np.int32),
            n_safe=n, epilogue=self.epilogue(c)))


@register("MatMul")
class VKMatMul(MatMulForm, MatrixProduct):
    """numpy.matmul: batched with broadcast batch dimensions, 1-D operands promoted."""

    def bind(self, inputs, outputs) -> None:
        if not outputs[0].size:
            return
        a, b = inputs
        *_, k, n = self.operands(inputs)
        tile = self.tile(inputs, outputs)
        shape = self.shape(inputs, outputs)
        count = self.a_batches(inputs)
        if a.constant is not None:
            packed_a = self.packed_constant(a.constant, tile, shape.rows, k, count, False)
        else:
            packed_a = self.scratch(0)
            self.pack_rows(a, packed_a, tile.rows, 1, shape.rows, k, 1, (0, k, 1, 0), batch=count,
                           src_zs=shape.rows * k)
        self.gemm(tile, shape, GemmOperands(
            packed_a, b, outputs[0], b_cstride=n, y_mstride=n,
            batches=self.batch_offsets(inputs, packed_elems(1, shape.rows, k, tile.rows)), n_safe=n))
