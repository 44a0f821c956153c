"""Conv and ConvTranspose, 1-D to 3-D, grouped and depthwise, via window views and matmul."""
from __future__ import annotations

import numpy as np

from ....ir import Node
from ..activation import apply_activation
from ..registry import NumpyExecution, register
from .window import padded, spatial_params, windows


def compute_dtype(*xs: np.ndarray) -> np.dtype:
    """Accumulation type: FP32 for the 16-bit floats (as GPU kernels and onnxruntime do)."""
    t = np.result_type(*xs)
    return np.dtype(np.float32) if t.kind not in "iub" and t.itemsize <= 2 else t


def _finish(node: Node, y: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """Add the bias and the fused activation in the accumulation type, then cast to `dtype`."""
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * (y.ndim - 2)).astype(y.dtype)
    return apply_activation(y, node.activation).astype(dtype, copy=False)


@register("Conv")
class Conv(NumpyExecution):
    def compute(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        dtype = x.dtype
        n, c = x.shape[:2]
        m, cg = w.shape[:2]
        kernel = list(w.shape[2:])
        nd = len(kernel)
        g = self.node.attr("group", 1)
        strides, dil, pb, pe, out = spatial_params(self.node, x.shape[2:], kernel)
        acc = compute_dtype(x, w)
        x, w = x.astype(acc, copy=False), w.astype(acc, copy=False)
        mg = m // g
        if all(k == 1 for k in kernel) and all(s == 1 for s in strides) and not any(pb) and not any(pe):
            # pointwise (1x1): a (grouped) matmul straight on the input, no window copy
            y = np.matmul(w.reshape(g, mg, cg), x.reshape(n, g, cg, -1))
            return _finish(self.node, y.reshape((n, m) + tuple(out)), b, dtype)
        win = windows(padded(x, pb, pe), kernel, strides, dil, out)       # (n, c, *out, *k)
        if cg == 1 and mg == 1:
            # depthwise: one multiply-add per kernel position, vectorized over everything else
            y = np.zeros((n, c) + tuple(out), acc)
            wk = w.reshape(c, -1)
            for j, pos in enumerate(np.ndindex(*kernel)):
                y += win[(Ellipsis,) + pos] * wk[:, j].reshape((1, c) + (1,) * nd)
        else:
            kp, op = int(np.prod(kernel)), int(np.prod(out))
            cols = win.reshape(n, g, cg, op, kp).transpose(1, 0, 3, 2, 4).reshape(g, n * op, cg * kp)
            wt = w.reshape(g, mg, cg * kp).transpose(0, 2, 1)
            y = np.matmul(cols, wt)                                           # (g, n*op, mg)
            y = y.reshape(g, n, op, mg).transpose(1, 0, 3, 2).reshape((n, m) + tuple(out))
        return _finish(self.node, y, b, dtype)


@register("ConvTranspose")
class ConvTranspose(NumpyExecution):
    def _pads(self, spatial: list[int], kernel: list[int], strides: list[int],
              dil: list[int]) -> tuple[list[int], list[int], list[int]]:
        """Full (uncropped) output size and the begin/end crops.

        output_shape or SAME auto_pad fix the output size; the crop then splits the
        difference, the larger half at the begin unless SAME_UPPER (the spec's rule).
        """
        nd = len(spatial)
        outpad = list(self.node.attr("output_padding") or [0] * nd)
        full = [s * (i - 1) + op + (k - 1) * d + 1
                for s, i, op, k, d in zip(strides, spatial, outpad, kernel, dil)]
        shape = self.node.attr("output_shape")
        auto = self.node.attr("auto_pad", "NOTSET")
        if shape is not None:
            shape = list(shape)[-nd:]
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            shape = [i * s for i, s in zip(spatial, strides)]
        if shape is None:
            pads = list(self.node.attr("pads") or [0] * (2 * nd)) if auto != "VALID" else [0] * (2 * nd)
            return full, pads[:nd], pads[nd:]
        total = [f - o for f, o in zip(full, shape)]
        if auto == "SAME_UPPER":
            begin = [t // 2 for t in total]
        else:
            begin = [t - t // 2 for t in total]
        return full, begin, [t - b for t, b in zip(total, begin)]

    def compute(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        n, c = x.shape[:2]
        spatial = list(x.shape[2:])
        kernel = list(w.shape[2:])
        nd = len(kernel)
        g = self.node.attr("group", 1)
        cg, mg = c // g, w.shape[1]
        strides = list(self.node.attr("strides") or [1] * nd)
        dil = list(self.node.attr("dilations") or [1] * nd)
        full, begin, end = self._pads(spatial, kernel, strides, dil)
        dtype, acc = x.dtype, compute_dtype(x, w)
        x, w = x.astype(acc, copy=False), w.astype(acc, copy=False)
        sp, kp = int(np.prod(spatial)), int(np.prod(kernel))
        xs = x.reshape(n, g, cg, sp).transpose(1, 0, 3, 2)                 # (g, n, sp, cg)
        ws = w.reshape(g, 1, cg, mg * kp)
        cols = np.matmul(xs, ws).reshape(g, n, *spatial, mg, *kernel)       # (g, n, *sp, mg, *k)
        y = np.zeros((n, g, mg) + tuple(full), acc)
        for pos in np.ndindex(*kernel):
            contrib = cols[(slice(None),) * (3 + nd) + pos]                 # (g, n, *sp, mg)
            contrib = np.moveaxis(contrib, (0, 2 + nd), (1, 2))             # (n, g, mg, *sp)
            dst = tuple(slice(p * d, p * d + (i - 1) * s + 1, s)
                        for p, d, i, s in zip(pos, dil, spatial, strides))
            y[(slice(None),) * 3 + dst] += contrib
        y = y.reshape((n, g * mg) + tuple(full))
        y = padded(y, [-p for p in begin], [-p for p in end])               # crop the pads
        return _finish(self.node, y, b, dtype)

