"""Conv and ConvTranspose, 1-D to 3-D, grouped and depthwise, as GEMMs over shifted tap slices."""
from __future__ import annotations

import math

import numpy as np

from ..activation import FUSED, apply_activation
from ..registry import NumpyExecution, register
from .taps import Alloc, TapLayout, gather_columns, tap_layout
from .window import padded, spatial_params

_COLS_BYTES = 256 << 20             # largest tap-column buffer the gather-then-GEMM path may build
_DEPTHWISE_BLOCK_BYTES = 1 << 20   # working set of one depthwise channel block (fits in L2)


def compute_dtype(*xs: np.ndarray) -> np.dtype:
    """Accumulation type: FP32 for the 16-bit floats (as GPU kernels and onnxruntime do)."""
    t = np.result_type(*xs)
    return np.dtype(np.float32) if t.kind not in "iub" and t.itemsize <= 2 else t


def _finish(exe: NumpyExecution, y: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """Add the bias and the fused activation in the accumulation type, then cast to `dtype`.

    Writes into the planned output buffer when its type is the accumulation type.
    """
    if b is not None:
        b = b.reshape((1, -1) + (1,) * (y.ndim - 2)).astype(y.dtype, copy=False)
    dst = exe.destination()
    if dst is not None and dst.dtype == y.dtype and dst.shape == y.shape:
        if b is not None:
            np.add(y, b, out=dst)
        elif y is not dst:
            np.copyto(dst, y)
        return apply_activation(dst, exe.node.activation, out=dst)
    if b is not None:
        y = y + b
    return apply_activation(y, exe.node.activation).astype(dtype, copy=False)


def _depthwise(y: np.ndarray, lay: TapLayout, wk: np.ndarray, alloc: Alloc) -> None:
    """y (n, c, size) = per-channel sum over taps of weight * shifted slice.

    Channels go in blocks small enough to stay in cache across the taps. Large
    kernels (more than 9 taps) and small tensors gather the block's tap columns and
    let one batched GEMV do the sums; otherwise each tap is multiply-added in place.
    """
    n, c, _ = y.shape
    span, kp = lay.span, wk.shape[1]
    gather = kp > 9 or n * c * span * kp * y.itemsize <= _DEPTHWISE_BLOCK_BYTES
    block = max(1, _DEPTHWISE_BLOCK_BYTES // (n * span * y.itemsize * (kp if gather else 1)))
    if gather:
        wk = wk[:, lay.order]
        cols = alloc((n, min(block, c), kp, span), y.dtype)          # one block's columns, reused
        for c0 in range(0, c, block):
            gathered = gather_columns(lay, slice(c0, c0 + block), lambda shape, _: cols[:, :shape[1]])
            np.matmul(wk[c0:c0 + block, None, :], gathered, out=y[:, c0:c0 + block, None, :span])
        return
    tmp = alloc((n, min(block, c), span), y.dtype)
    for c0 in range(0, c, block):
        acc = y[:, c0:c0 + block, :span]
        part = tmp[:, :acc.shape[1]]
        first = True
        for ph in lay.phases:
            for tap, off in zip(ph.taps, ph.offsets):
                np.multiply(ph.plane[:, c0:c0 + block, off:off + span], wk[c0:c0 + block, tap, None],
                            out=acc if first else part)
                if not first:
                    acc += part
                first = False


@register("Conv")
class Conv(NumpyExecution):
    activations = FUSED              # apply_activation runs every fusable activation

    def compute(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        dtype = x.dtype
        n, c = x.shape[:2]
        m, cg = w.shape[:2]
        kernel = list(w.shape[2:])
        g = self.node.attr("group", 1)
        strides, dil, pb, pe, out = spatial_params(self.node, x.shape[2:], kernel)
        acc = compute_dtype(x, w)
        x, w = x.astype(acc, copy=False), w.astype(acc, copy=False)
        mg = m // g
        if 0 in (n, m, cg) or 0 in out:                          # empty output, or sums over nothing
            return _finish(self, np.zeros((n, m) + tuple(out), acc), b, dtype)
        if all(k == 1 for k in kernel) and all(s == 1 for s in strides) and not any(pb) and not any(pe):
            # pointwise (1x1): a (grouped) matmul straight on the input, into the output buffer
            dst = self.destination()
            into = dst if dst is not None and dst.dtype == acc else None
            size = math.prod(out)
            y = np.matmul(w.reshape(g, mg, cg), x.reshape(n, g, cg, size),
                          out=None if into is None else into.reshape(n, g, mg, size))
            return _finish(self, into if into is not None else y.reshape((n, m) + tuple(out)), b, dtype)
        lay = tap_layout(x, pb, kernel, strides, dil, out, self.scratch)
        kp, span = math.prod(kernel), lay.span
        wk = w.reshape(g, mg, cg, kp)
        y = self.scratch((n, g, mg, lay.size), acc)
        if cg == 1 and mg == 1:
            _depthwise(y.reshape(n, c, lay.size), lay, wk.reshape(c, kp), self.scratch)
        elif cg < 3 * mg and n * c * kp * span * acc.itemsize <= _COLS_BYTES:
            # few input channels per output: gather the tap slices once, then one GEMM
            cols = gather_columns(lay, slice(None), self.scratch).reshape(n, g, cg * kp, span)
            np.matmul(wk[..., lay.order].reshape(g, mg, cg * kp), cols, out=y[..., :span])
        else:
            # many input channels: one GEMM per tap on its shifted slice, accumulated
            first, part = True, self.scratch((n, g, mg, span), acc)
            for ph in lay.phases:
                pg = ph.plane.reshape(n, g, cg, ph.plane.shape[-1])
                for tap, off in zip(ph.taps, ph.offsets):
                    np.matmul(wk[..., tap], pg[..., off:off + span], out=y[..., :span] if first else part)
                    if not first:
                        y[..., :span] += part
                    first = False
        y = lay.crop(y.reshape(n, m, lay.size), out)
        return _finish(self, y, b, dtype)


@register("ConvTranspose")
class ConvTranspose(NumpyExecution):
    activations = FUSED              # apply_activation runs every fusable activation

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
        sp, kp = math.prod(spatial), math.prod(kernel)
        wt = w.reshape(g, cg, mg * kp).transpose(0, 2, 1)                   # (g, mg*k, cg)
        cols = np.matmul(wt, x.reshape(n, g, cg, sp), out=self.scratch((n, g, mg * kp, sp), acc))
        cols = cols.reshape((n, g, mg) + tuple(kernel) + tuple(spatial))
        # kernel == stride: the taps tile the output without overlap, so each is a plain store
        tiles = kernel == strides and all(d == 1 for d in dil)
        covered = tiles and all(f == i * k for f, i, k in zip(full, spatial, kernel))
        y = self.scratch((n, g, mg) + tuple(full), acc)
        if not covered:
            y.fill(0)
        for pos in np.ndindex(*kernel):
            dst = (slice(None),) * 3 + tuple(slice(p * d, p * d + (i - 1) * s + 1, s)
                                             for p, d, i, s in zip(pos, dil, spatial, strides))
            if tiles:
                y[dst] = cols[(slice(None),) * 3 + pos]
            else:
                y[dst] += cols[(slice(None),) * 3 + pos]
        y = y.reshape((n, g * mg) + tuple(full))
        y = padded(y, [-p for p in begin], [-p for p in end])               # crop the pads
        return _finish(self, y, b, dtype)
