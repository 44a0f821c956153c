"""LRN: local response normalization across channels (AlexNet, Inception v1, ZFNet)."""
from __future__ import annotations

import numpy as np

from ..registry import NumpyExecution, register


@register("LRN")
class LRN(NumpyExecution):
    def compute(self, x):
        size = int(self.node.attr("size"))
        alpha = float(self.node.attr("alpha", 1e-4))
        beta = float(self.node.attr("beta", 0.75))
        bias = float(self.node.attr("bias", 1.0))
        sq = np.square(x.astype(np.float32, copy=False))
        # window [c - floor((size-1)/2), c + ceil((size-1)/2)] over channels, as a prefix-sum difference
        lo, hi = (size - 1) // 2, (size - 1) - (size - 1) // 2
        pad = [(0, 0), (lo + 1, hi)] + [(0, 0)] * (x.ndim - 2)
        csum = np.cumsum(np.pad(sq, pad), axis=1, dtype=np.float64)
        window = csum[:, size:] - csum[:, :-size]
        scale = (bias + (alpha / size) * window) ** beta
        return (x / scale).astype(x.dtype)
