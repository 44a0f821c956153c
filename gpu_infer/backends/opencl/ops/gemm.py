"""Gemm and MatMul on OpenCL: the GEMM core (gemm_core.py) with A packed as the tiles read it.

A constant operand is packed (A) or transposed (B with transB) once per session through
``prepare_weight``; a runtime one by the ``pack_rows`` kernel into scratch each run (M*K or K*N
element copies next to the M*N*K product). MatMul folds its batch into the rows when B is one
matrix for every batch (X @ W), else runs one grid slice per output batch with broadcast offsets.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...base import Tensor
from ...gemm_common import GemmForm, MatMulForm, packed_a
from ..execution import FUSED
from ..registry import register
from .gemm_core import (GemmLaunch, GemmOperands, GemmShape, device_of, gemm_schemes, pack_launch,
                        packed_elems, scratch_ref)
from .product import ProductExecution, Steps


class MatrixProduct(ProductExecution):
    """A Gemm or MatMul: one product of a (maybe packed) A and B, scratch for runtime packing."""

    def shape(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> GemmShape:
        raise NotImplementedError

    def schemes(self, inputs, outputs):
        return gemm_schemes(self.node.op_type.lower(), self.shape(inputs, outputs), device_of(self))

    def scratch_bytes(self, inputs, outputs) -> list[int]:
        if not outputs[0].size:
            return []
        tile, item = self.choose_tile(inputs, outputs), outputs[0].store_dtype.itemsize
        return [n * item for n in self.runtime_packs(inputs, tile)]

    def packed_constant(self, array: np.ndarray, rows: int, depth: int, batches: int, transposed: bool) -> object:
        """A constant A operand, (batches, rows, depth) after transposing if `transposed`, packed once."""
        tile = self.tile
        return self.prepare_weight((0, tile.kernel, self.precision, id(array)),
                                   lambda: packed_a(array, rows, depth, batches, transposed, tile.rows,
                                                    self.store_dtype()), array, f"A of {self.node.describe()}")


@register("Gemm")
class CLGemm(GemmForm, MatrixProduct):
    """Y = act(alpha * A' @ B' + beta * C), C broadcast to Y (any opset)."""

    activations = FUSED

    def bind(self, inputs, outputs) -> Steps:
        a, b, c = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
        at = self.node.attr
        m, k, n = self.dims(inputs)
        tile = self.choose_tile(inputs, outputs)
        ta, tb = at("transA", 0), at("transB", 0)
        before = []
        if a.constant is not None:
            packed_a = self.packed_constant(a.constant, m, k, 1, bool(ta))
        else:
            packed_a = scratch_ref(self, 0, self.store_dtype())
            strides = (0, 1, m, 0) if ta else (0, k, 1, 0)
            before.append(pack_launch(self, a, packed_a, tile.rows, 1, m, k, 1, strides))
        b_rows: Any = b
        if tb and b.constant is not None:
            b_rows = self.transposed_constant_b(b)
        elif tb:
            b_rows = scratch_ref(self, 1, self.store_dtype())
            before.append(pack_launch(self, b, b_rows, 1, 1, k, n, 1, (0, 1, k, 0)))
        epilogue = self.epilogue(c)
        return Steps(before, GemmLaunch(self, tile, self.shape(inputs, outputs), GemmOperands(
            packed_a, b_rows, outputs[0], b_cstride=n, y_mstride=n, batches=np.zeros((1, 3), np.int32),
            n_safe=n, epilogue=epilogue)))


@register("MatMul")
class CLMatMul(MatMulForm, MatrixProduct):
    """numpy.matmul: batched with broadcast batch dimensions, 1-D operands promoted."""

    def bind(self, inputs, outputs) -> Steps:
        a, b = inputs
        *_, k, n = self.operands(inputs)
        tile = self.choose_tile(inputs, outputs)
        shape = self.shape(inputs, outputs)
        count = self.a_batches(inputs)
        per_a = packed_elems(1, shape.rows, k, tile.rows)
        before = []
        if a.constant is not None:
            packed_a = self.packed_constant(a.constant, shape.rows, k, count, False)
        else:
            packed_a = scratch_ref(self, 0, self.store_dtype())
            before.append(pack_launch(self, a, packed_a, tile.rows, 1, shape.rows, k, 1, (0, k, 1, 0),
                                      batch=count, src_zs=shape.rows * k))
        return Steps(before, GemmLaunch(self, tile, shape, GemmOperands(
            packed_a, b, outputs[0], b_cstride=n, y_mstride=n, batches=self.batch_offsets(inputs, per_a), n_safe=n)))


