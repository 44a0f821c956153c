"""Cast and CastLike, including strings and the ml_dtypes small floats (bfloat16, float8, int4, ...)."""
from __future__ import annotations

import ml_dtypes
import numpy as np
from onnx import helper

from ....ir import Node
from ..registry import NumpyExecution, register


def _saturate(x: np.ndarray, to: np.dtype) -> np.ndarray:
    """ONNX float8 saturation: values beyond the type's range, Inf included, clamp to +-max."""
    top = float(ml_dtypes.finfo(to).max)
    return np.clip(x, -top, top)         # NaN stays NaN


def _to_e8m0(x: np.ndarray, round_mode: str, saturate: bool) -> np.ndarray:
    """float8_e8m0 holds a bare float32 exponent (2**(e - 127); 0xFF is NaN, also for +-Inf)."""
    bits = np.abs(x.astype(np.float32)).view(np.uint32)
    exp, mantissa = (bits >> 23).astype(np.int32), bits & 0x7FFFFF
    exp += {"up": mantissa != 0, "nearest": mantissa >= 0x400000}.get(round_mode, 0)
    exp = np.where(np.isfinite(x), np.minimum(exp, 254 if saturate else 255), 255)
    return exp.astype(np.uint8).view(ml_dtypes.float8_e8m0fnu)


def cast(x: np.ndarray, to: np.dtype, saturate: bool = True, round_mode: str = "up") -> np.ndarray:
    if x.dtype == to:
        return x
    if to.kind == "O":                                       # STRING
        return x.astype(str).astype(object)
    if x.dtype.kind in "OU":                                 # parse, then narrow
        return x.astype(to if to.kind in "iu" else np.float64).astype(to)
    if to.name == "float8_e8m0fnu" and x.dtype.kind in "fV":
        return _to_e8m0(x, round_mode, saturate)
    if saturate and to.name.startswith("float8") and x.dtype.kind in "fViu":   # integers too, as onnx's reference
        x = _saturate(x.astype(np.float32), to)
    with np.errstate(all="ignore"):
        return x.astype(to)


def _is_castable(dtype: np.dtype | None) -> bool:
    """NumPy types and ml_dtypes' small types."""
    return dtype is not None and (dtype.kind in "biufcOU" or dtype.type.__module__ == "ml_dtypes")


@register("Cast")
class Cast(NumpyExecution):
    @staticmethod
    def target(node: Node) -> np.dtype | None:
        try:
            return np.dtype(helper.tensor_dtype_to_np_dtype(node.attr("to")))
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        src = inputs[0].dtype if inputs and inputs[0] is not None else None
        return _is_castable(cls.target(node)) and (src is None or _is_castable(np.dtype(src)))

    def compute(self, x: np.ndarray) -> np.ndarray:
        return cast(x, self.target(self.node), bool(self.node.attr("saturate", 1)),
                    self.node.attr("round_mode", "up"))


@register("CastLike")
class CastLike(NumpyExecution):
    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return all(t is None or _is_castable(np.dtype(t.dtype)) for t in inputs[:2])

    def compute(self, x: np.ndarray, like: np.ndarray) -> np.ndarray:
        return cast(x, like.dtype, bool(self.node.attr("saturate", 1)),
                    self.node.attr("round_mode", "up"))
