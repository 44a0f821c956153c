"""Gemm and MatMul on OpenCL: the GEMM core (gemm_core.py) with A packed as the tiles read it.

A constant operand is packed (A) or transposed (B with transB) once per session through
``prepare_weight``; a runtime one by the ``pack_rows`` kernel into scratch each run (M*K or K*N
element copies next to the M*N*K product). MatMul folds its batch into the rows when B is one
matrix for every batch (X @ W), else runs one grid slice per output batch with broadcast offsets.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...base import Tensor
from ...gemm_packing import broadcast_index
from ..execution import FUSED
from ..registry import register
from .gemm_core import (Epilogue, GemmLaunch, GemmOperands, GemmShape, device_of, gemm_schemes, pack_host,
                        pack_launch, packed_elems, scratch_ref)
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

    def runtime_packs(self, inputs, tile) -> list[int]:
        """Elements of each operand packed at run time (scratch buffers, in order)."""
        raise NotImplementedError

    def packed_constant(self, array: np.ndarray, rows: int, depth: int, batches: int, transposed: bool) -> object:
        """A constant A operand, (batches, rows, depth) after transposing if `transposed`, packed once."""
        tile = self.tile

        def build() -> np.ndarray:
            a = np.asarray(array, np.float32)
            a = np.swapaxes(a, -1, -2) if transposed else a
            return pack_host(a.reshape(batches, rows, depth), tile.rows, self.store_dtype())
        return self.prepare_weight((0, tile.kernel, self.precision, id(array)), build, array,
                                   f"A of {self.node.describe()}")


@register("Gemm")
class CLGemm(MatrixProduct):
    """Y = act(alpha * A' @ B' + beta * C), C broadcast to Y (any opset)."""

    activations = FUSED

    def dims(self, inputs) -> tuple[int, int, int]:
        a, b = inputs[0].shape, inputs[1].shape
        ta, tb = self.node.attr("transA", 0), self.node.attr("transB", 0)
        m, k = (a[1], a[0]) if ta else (a[0], a[1])
        return m, k, (b[0] if tb else b[1])

    def shape(self, inputs, outputs) -> GemmShape:
        m, k, n = self.dims(inputs)
        return GemmShape(1, m, k, 1, n)

    def runtime_packs(self, inputs, tile) -> list[int]:
        m, k, n = self.dims(inputs)
        packs = [packed_elems(1, m, k, tile.rows) if inputs[0].constant is None else 0]
        if self.node.attr("transB", 0) and inputs[1].constant is None:
            packs.append(k * n)
        return packs

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
            b_rows = self.prepare_weight((1, "transposed", self.precision, id(b.constant)),
                                         lambda: np.ascontiguousarray(np.asarray(b.constant, np.float32).T)
                                         .astype(self.store_dtype()), b.constant, f"B of {self.node.describe()}")
        elif tb:
            b_rows = scratch_ref(self, 1, self.store_dtype())
            before.append(pack_launch(self, b, b_rows, 1, 1, k, n, 1, (0, 1, k, 0)))
        beta = float(at("beta", 1.0))
        epilogue = Epilogue(alpha=float(at("alpha", 1.0)), beta=beta)
        if c is not None and beta != 0.0 and c.size:
            cs = (1,) * (2 - len(c.shape)) + tuple(c.shape)
            epilogue.c, epilogue.c_strides = c, (cs[1] if cs[0] != 1 else 0, 1 if cs[1] != 1 else 0)
        return Steps(before, GemmLaunch(self, tile, self.shape(inputs, outputs), GemmOperands(
            packed_a, b_rows, outputs[0], b_cstride=n, y_mstride=n, batches=np.zeros((1, 3), np.int32),
            n_safe=n, epilogue=epilogue)))


@register("MatMul")
class CLMatMul(MatrixProduct):
    """numpy.matmul: batched with broadcast batch dimensions, 1-D operands promoted."""

    def operands(self, inputs) -> tuple[tuple[int, ...], tuple[int, ...], int, int, int]:
        """(A's batch dims, B's batch dims, M, K, N), 1-D operands promoted."""
        a, b = tuple(inputs[0].shape), tuple(inputs[1].shape)
        a = (1,) + a if len(a) == 1 else a
        b = b + (1,) if len(b) == 1 else b
        return a[:-2], b[:-2], a[-2], a[-1], b[-1]

    def folded(self, inputs) -> bool:
        """B is one matrix for every batch: the batch joins A's rows (one product)."""
        ab, bb, *_ = self.operands(inputs)
        return math.prod(bb) == 1

    def batch_shape(self, inputs) -> tuple[int, ...]:
        ab, bb, *_ = self.operands(inputs)
        return tuple(np.broadcast_shapes(ab, bb))

    def shape(self, inputs, outputs) -> GemmShape:
        ab, bb, m, k, n = self.operands(inputs)
        if self.folded(inputs):
            return GemmShape(1, m * math.prod(ab), k, 1, n)
        return GemmShape(1, m, k, 1, n, math.prod(self.batch_shape(inputs)))

    def a_batches(self, inputs) -> int:
        ab, *_ = self.operands(inputs)
        return 1 if self.folded(inputs) else math.prod(ab)

    def runtime_packs(self, inputs, tile) -> list[int]:
        shape = self.shape(inputs, None)
        return [self.a_batches(inputs) * packed_elems(1, shape.rows, shape.depth, tile.rows)
                if inputs[0].constant is None else 0]

    def bind(self, inputs, outputs) -> Steps:
        a, b = inputs
        ab, bb, m, k, n = self.operands(inputs)
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
        if self.folded(inputs):
            batches = np.zeros((1, 3), np.int32)
        else:
            out = self.batch_shape(inputs)
            z = np.indices(out).reshape(len(out), -1).T if out else np.zeros((1, 0), np.int64)
            batches = np.stack([broadcast_index(z, ab) * per_a, broadcast_index(z, bb) * k * n,
                                np.arange(len(z)) * m * n], axis=1)
        return Steps(before, GemmLaunch(self, tile, shape, GemmOperands(
            packed_a, b, outputs[0], b_cstride=n, y_mstride=n, batches=batches.astype(np.int32), n_safe=n)))


