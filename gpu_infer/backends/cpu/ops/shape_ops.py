"""Shape arithmetic and generators: Shape, Size, ConstantOfShape, Range, Constant, EyeLike,
OneHot, Trilu, CumSum. Most of these fold into constants at pre-inference."""
from __future__ import annotations

import numpy as np
from onnx import helper

from ....errors import ShapeInferenceError
from ..registry import NumpyExecution, register
from .axes import axis
from .movement import ints


@register("Shape")
class Shape(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        dims = x.shape[self.node.attr("start", 0): self.node.attr("end", None)]
        return np.array(dims, dtype=np.int64)


@register("Size")
class Size(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        return np.array(x.size, dtype=np.int64)


@register("ConstantOfShape")
class ConstantOfShape(NumpyExecution):
    def compute(self, shape: np.ndarray) -> np.ndarray:
        value = self.node.attr("value")
        value = np.zeros(1, np.float32) if value is None else np.asarray(value).reshape(-1)
        return np.full(ints(shape), value[0], dtype=value.dtype)


@register("Range")
class Range(NumpyExecution):
    def compute(self, start: np.ndarray, limit: np.ndarray, delta: np.ndarray) -> np.ndarray:
        s, l, d = (np.asarray(v).reshape(()) for v in (start, limit, delta))
        if not d:
            raise ShapeInferenceError(f"{self.node.describe()}: delta is 0, so the output length "
                                      f"(limit - start) / delta is undefined")
        n = max(int(np.ceil((l - s) / d)), 0)
        return (s + np.arange(n, dtype=np.float64 if s.dtype.kind == "f" else np.int64) * d).astype(s.dtype)


def constant_attribute(attrs: dict) -> np.ndarray:
    """The value of a Constant node from whichever value* attribute it has."""
    if "value" in attrs:
        return np.asarray(attrs["value"])
    if "sparse_value" in attrs:
        return np.asarray(attrs["sparse_value"])
    if "value_float" in attrs:
        return np.array(attrs["value_float"], np.float32)
    if "value_floats" in attrs:
        return np.array(attrs["value_floats"], np.float32)
    if "value_int" in attrs:
        return np.array(attrs["value_int"], np.int64)
    if "value_ints" in attrs:
        return np.array(attrs["value_ints"], np.int64)
    if "value_string" in attrs:
        return np.array(attrs["value_string"], dtype=object)
    if "value_strings" in attrs:
        return np.array(attrs["value_strings"], dtype=object)
    raise ValueError("Constant node without a value attribute")


@register("Constant")
class Constant(NumpyExecution):
    def compute(self) -> np.ndarray:
        return constant_attribute(self.node.attrs)


@register("EyeLike")
class EyeLike(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        to = self.node.attr("dtype")
        dtype = x.dtype if to is None else np.dtype(helper.tensor_dtype_to_np_dtype(to))
        return np.eye(x.shape[0], x.shape[1], k=self.node.attr("k", 0), dtype=dtype)


@register("OneHot")
class OneHot(NumpyExecution):
    def compute(self, indices: np.ndarray, depth: np.ndarray, values: np.ndarray) -> np.ndarray:
        d = int(np.asarray(depth).reshape(-1)[0])
        idx = np.asarray(indices).astype(np.int64)
        idx = np.where(idx < 0, idx + d, idx)
        hot = idx[..., None] == np.arange(d)
        y = np.where(hot, values[1], values[0]).astype(values.dtype)
        return np.moveaxis(y, -1, axis(self.node, self.node.attr("axis", -1), idx.ndim, extra=1))


@register("Trilu")
class Trilu(NumpyExecution):
    def compute(self, x: np.ndarray, k: np.ndarray | None = None) -> np.ndarray:
        kk = 0 if k is None else int(np.asarray(k).reshape(-1)[0])
        return np.triu(x, kk) if self.node.attr("upper", 1) else np.tril(x, kk)


@register("CumSum")
class CumSum(NumpyExecution):
    def compute(self, x: np.ndarray, along: np.ndarray) -> np.ndarray:
        a = axis(self.node, int(np.asarray(along).reshape(-1)[0]), x.ndim)
        y = np.flip(x, a) if self.node.attr("reverse", 0) else x
        y = np.cumsum(y, axis=a, dtype=x.dtype)
        if self.node.attr("exclusive", 0):
            y = np.concatenate([np.zeros_like(np.take(y, [0], axis=a)), np.delete(y, -1, axis=a)], axis=a)
        return np.flip(y, a) if self.node.attr("reverse", 0) else y
