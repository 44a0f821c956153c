"""Normalizations: Batch, Layer, Instance, Lp and MeanVariance."""
from __future__ import annotations

import numpy as np
from onnx import helper

from ..registry import NumpyExecution, register
from .axes import axes as norm_axes
from .axes import axis


def _standardize(x: np.ndarray, axes: tuple[int, ...], eps: float) -> tuple[np.ndarray, ...]:
    """(x - mean) * inv_std over `axes` (population variance); also returns mean and inv_std."""
    mean = np.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    return centered * inv_std, mean, inv_std


def _per_channel(p: np.ndarray, ndim: int) -> np.ndarray:
    """Align a (C,) or (C, D1, ...) parameter with axis 1 of an NCHW... tensor."""
    return p.reshape(p.shape + (1,) * (ndim - 1 - p.ndim))


@register("BatchNormalization")
class BatchNormalization(NumpyExecution):
    """Inference, plus the deterministic opset>=14 training mode (batch statistics, running updates).

    Before opset 14, extra outputs meant training statistics (saved mean/var): not supported.
    """

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        extra = [t for t in outputs[1:] if t is not None]
        return not extra or bool(node.opset >= 14 and node.attr("training_mode", 0))

    def compute(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray, mean: np.ndarray,
                var: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
        eps, dt = self.node.attr("epsilon", 1e-5), x.dtype
        scale, bias = (_per_channel(p.astype(dt), x.ndim) for p in (scale, bias))
        if self.node.opset >= 14 and self.node.attr("training_mode", 0):
            axes = (0,) + tuple(range(2, x.ndim))
            normed, batch_mean, _ = _standardize(x, axes, eps)
            batch_var = np.var(x, axis=axes)
            momentum = dt.type(self.node.attr("momentum", 0.9))
            running = [(old.astype(dt) * momentum + new.reshape(old.shape) * (1 - momentum))
                       .astype(old.dtype) for old, new in ((mean, batch_mean), (var, batch_var))]
            return (normed * scale + bias).astype(dt, copy=False), *running
        mean, var = (_per_channel(p.astype(dt), x.ndim) for p in (mean, var))
        return ((x - mean) / np.sqrt(var + dt.type(eps)) * scale + bias).astype(dt, copy=False)


@register("LayerNormalization")
class LayerNormalization(NumpyExecution):
    """Statistics in `stash_type` (default float32) over axes [axis, rank); Mean and InvStdDev keep rank."""

    def compute(self, x: np.ndarray, scale: np.ndarray,
                bias: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        stash = np.dtype(helper.tensor_dtype_to_np_dtype(self.node.attr("stash_type", 1)))
        first = axis(self.node, self.node.attr("axis", -1), x.ndim)
        normed, mean, inv_std = _standardize(x.astype(stash), tuple(range(first, x.ndim)),
                                             self.node.attr("epsilon", 1e-5))
        y = normed * scale.astype(stash)
        if bias is not None:
            y = y + bias.astype(stash)
        return y.astype(x.dtype), mean, inv_std


@register("InstanceNormalization")
class InstanceNormalization(NumpyExecution):
    def compute(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
        normed = _standardize(x, tuple(range(2, x.ndim)), self.node.attr("epsilon", 1e-5))[0]
        return (normed * _per_channel(scale.astype(x.dtype), x.ndim)
                + _per_channel(bias.astype(x.dtype), x.ndim)).astype(x.dtype, copy=False)


@register("LpNormalization")
class LpNormalization(NumpyExecution):
    def compute(self, x: np.ndarray) -> np.ndarray:
        along, p = axis(self.node, self.node.attr("axis", -1), x.ndim), self.node.attr("p", 2)
        a = np.abs(x)
        norm = np.sum(a, axis=along, keepdims=True) if p == 1 else \
            np.sqrt(np.sum(a * a, axis=along, keepdims=True))
        with np.errstate(all="ignore"):
            return np.where(norm == 0, 0, x / norm).astype(x.dtype, copy=False)


@register("MeanVarianceNormalization")
class MeanVarianceNormalization(NumpyExecution):
    """(X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9), the spec's function body."""

    def compute(self, x: np.ndarray) -> np.ndarray:
        axes = tuple(norm_axes(self.node, self.node.attr("axes", [0, 2, 3]), x.ndim))
        mean = np.mean(x, axis=axes, keepdims=True)
        std = np.sqrt(np.mean(x * x, axis=axes, keepdims=True) - mean * mean)
        return ((x - mean) / (std + x.dtype.type(1e-9))).astype(x.dtype, copy=False)
