"""Activations that the optimizer fuses into Conv / ConvTranspose / Gemm (CPU side)."""
from __future__ import annotations

import numpy as np

from ...ir import Activation


def apply_activation(x: np.ndarray, act: Activation | None, out: np.ndarray | None = None) -> np.ndarray:
    """The fused activation of `x`, written into `out` when given (`out` may be `x` itself)."""
    if act is None:
        return x if out is None else _store(out, x)
    a = act.attrs
    op = act.op_type
    t = x.dtype.type
    if op == "Relu":
        return np.maximum(x, t(0), out=out)
    if op == "Clip":
        y = np.maximum(x, t(a.get("min", -np.inf)), out=out)
        return np.minimum(y, t(a.get("max", np.inf)), out=y)
    if op == "LeakyRelu":
        return _store(out, np.where(x >= 0, x, x * t(a.get("alpha", 0.01))))
    if op == "Sigmoid":
        y = np.negative(x, out=out)
        with np.errstate(over="ignore"):       # exp overflow gives 1/inf = 0, the right limit
            np.exp(y, out=y)
        y += t(1)
        return np.reciprocal(y, out=y)
    if op == "HardSigmoid":
        y = np.multiply(x, t(a.get("alpha", 0.2)), out=out)
        y += t(a.get("beta", 0.5))
        return np.clip(y, t(0), t(1), out=y)
    if op == "HardSwish":
        gate = np.clip(x / t(6) + t(0.5), t(0), t(1))
        return np.multiply(x, gate, out=out)
    raise ValueError(f"unknown fused activation {op}")


def _store(out: np.ndarray | None, y: np.ndarray) -> np.ndarray:
    if out is None or out is y:
        return y
    np.copyto(out, y)
    return out


FUSED = frozenset({"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish"})
