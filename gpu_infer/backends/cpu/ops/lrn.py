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
        # window [c - floor((size-1)/2), c + ceil((size-1)/2)] over channels, each summed on its own
        # (a prefix-sum difference would spread a NaN or an infinity to every later channel)
        lo = (size - 1) // 2
        pad = [(0, 0), (lo, size - lo)] + [(0, 0)] * (x.ndim - 2)     # one spare channel: no channels is fine
        windows = np.lib.stride_tricks.sliding_window_view(np.pad(sq, pad), size, axis=1)[:, :x.shape[1]]
        window = windows.sum(axis=-1, dtype=np.float64)
        scale = (bias + (alpha / size) * window) ** beta
        return (x / scale).astype(x.dtype)
