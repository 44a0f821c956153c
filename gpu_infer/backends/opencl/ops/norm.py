"""LayerNormalization and InstanceNormalization on OpenCL (cl_kernels/norm.cl)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme
from ...base import Tensor
from ...cpu.ops.axes import axis as norm_axis
from ..execution import CLExecution, ref_args
from ..registry import register
from .reduction import chosen_scheme, is_float32, launch, layout_schemes

FLOAT = 1                   # TensorProto.FLOAT: LayerNormalization's stash_type, the only one run here


def _trailing(param: Tensor, normalised: tuple[int, ...]) -> bool:
    """Whether `param` is the normalised shape or a suffix of it (leading 1s aside): element
    i of a row then reads param[i % param.size]."""
    shape = tuple(param.shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return not shape or normalised[len(normalised) - len(shape):] == shape


class CLNormalization(CLExecution):
    """Rows standardised by norm.cl; subclasses say what a row is and where scale and bias apply."""

    family = "norm"
    per_row = False

    @classmethod
    def rows(cls, node, shape: tuple[int, ...]) -> tuple[int, int]:
        """(rows, n): the rows standardised, each n contiguous elements."""
        raise NotImplementedError

    def schemes(self, inputs, outputs) -> list[Scheme]:
        rows, n = self.rows(self.node, inputs[0].shape)
        return layout_schemes("norm", self.backend.rt, rows, n, True)

    def parameters(self, inputs: list[Tensor | None]) -> tuple[int, int, int]:
        """norm.cl's (period, scale_n, bias_n): where a row finds its scale and bias."""
        raise NotImplementedError

    def on_resize(self, inputs, outputs) -> None:
        x, scale, y = inputs[0], inputs[1], outputs[0]
        bias = inputs[2] if len(inputs) > 2 else None
        self.count, n = self.rows(self.node, x.shape)
        mean, inv = (outputs[k] if len(outputs) > k else None for k in (1, 2))
        stats = (mean is not None) | (inv is not None) << 1
        period, scale_n, bias_n = self.parameters(inputs)
        scheme = chosen_scheme(self, inputs, outputs)
        layout, self.global_size, self.local_size = launch(scheme, self.count, self.count)
        # an absent tensor's argument is any buffer (y): the kernel never touches it
        optional = [ref_args(t if t is not None else y) for t in (bias, mean, inv)]
        args: list[Any] = [*ref_args(x), *ref_args(y), *ref_args(scale), *optional[0], *optional[1], *optional[2],
                           *(np.int32(v) for v in (self.count, n, period, scale_n, bias_n, bias is not None, stats)),
                           np.float32(self.node.attr("epsilon", 1e-5))]
        self.bound = self.kernel(f"norm_{layout}", args, ["-DPER_ROW"] if self.per_row else [])

    def on_execute(self, inputs, outputs) -> None:
        if self.count:
            self.enqueue(self.bound, self.global_size, self.local_size)


@register("LayerNormalization")
class CLLayerNormalization(CLNormalization):
    """Over the axes from `axis` on; scale and bias the normalised shape or a suffix of it. Mean and
    InvStdDev, when asked for, are written in float (stash_type float only)."""

    @classmethod
    def rows(cls, node, shape):
        first = norm_axis(node, node.attr("axis", -1), len(shape))
        return math.prod(shape[:first]), math.prod(shape[first:])

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        if node.attr("stash_type", FLOAT) != FLOAT or not all(is_float32(t) for t in inputs + outputs if t):
            return False
        try:
            first = norm_axis(node, node.attr("axis", -1), len(inputs[0].shape))
        except ShapeInferenceError:
            return False
        normalised = tuple(inputs[0].shape[first:])
        return all(_trailing(p, normalised) for p in inputs[1:] if p is not None)

    def parameters(self, inputs):
        bias = inputs[2] if len(inputs) > 2 else None
        return 1, max(inputs[1].size, 1), max(bias.size if bias is not None else 1, 1)


@register("InstanceNormalization")
class CLInstanceNormalization(CLNormalization):
    """Each (n, c) plane standardised, then scaled and shifted by channel c's scale and bias."""

    per_row = True

    @classmethod
    def rows(cls, node, shape):
        return math.prod(shape[:2]), math.prod(shape[2:])

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return len(inputs[0].shape) >= 2 and all(is_float32(t) for t in inputs + outputs if t)

    def parameters(self, inputs):
        return inputs[0].shape[1], 1, 1
