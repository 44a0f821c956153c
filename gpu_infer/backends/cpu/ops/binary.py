"""Broadcasting arithmetic: Add, Sub, Mul, Div, Pow, Mod, BitShift and the variadic Max, Min, Sum, Mean."""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from ....ir import Node
from ...common import binary_input_shape
from ..registry import NumpyExecution, register


def legacy_broadcast(node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`b` reshaped for the opset<7 ``broadcast``/``axis`` attributes (see binary_input_shape)."""
    return b.reshape(binary_input_shape(node, a.shape, b.shape))


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind not in "iu":
        return np.divide(a, b)
    q = np.floor_divide(a, b)     # ONNX integer Div truncates toward zero
    return np.where((q < 0) & (q * b != a), q + 1, q).astype(a.dtype, copy=False)


def _power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu" and b.dtype.kind in "iu" and np.any(b < 0):
        return np.power(a.astype(np.float64), b)     # NumPy refuses negative integer powers
    return np.power(a, b)


def _bitshift(node: Node) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return np.left_shift if node.attr("direction", "LEFT") == "LEFT" else np.right_shift


BINARY: dict[str, Callable[[Node], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "Add": lambda n: np.add, "Sub": lambda n: np.subtract, "Mul": lambda n: np.multiply,
    "Div": lambda n: _divide, "Pow": lambda n: _power, "BitShift": _bitshift,
    "Mod": lambda n: np.fmod if n.attr("fmod", 0) else np.mod,
}


@register(*BINARY)
class Binary(NumpyExecution):
    """The result keeps A's dtype (Pow: base dtype; the others have equal input types)."""

    def compute(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        fn = BINARY[self.node.op_type](self.node)
        b = legacy_broadcast(self.node, a, b)
        with np.errstate(all="ignore"):
            y = self.ufunc_into(fn, a, b) if isinstance(fn, np.ufunc) else fn(a, b)
        return np.asarray(y).astype(a.dtype, copy=False)


VARIADIC: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "Max": np.maximum, "Min": np.minimum, "Sum": np.add, "Mean": np.add,
}


@register(*VARIADIC)
class Variadic(NumpyExecution):
    def compute(self, *xs: np.ndarray) -> np.ndarray:
        xs = tuple(x for x in xs if x is not None)
        y = functools.reduce(VARIADIC[self.node.op_type], xs)
        if self.node.op_type == "Mean":
            y = y / xs[0].dtype.type(len(xs)) if y.dtype.kind == "f" else y // len(xs)
        return np.asarray(y).astype(xs[0].dtype, copy=False)
