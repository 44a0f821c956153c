"""LayerNormalization and InstanceNormalization on OpenCL (cl_kernels/norm.cl)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme
from ...base import Tensor
from ...poolnorm.rows import instance_norm_rows, layer_norm_fits, layer_norm_parameters, layer_norm_rows
from ..execution import CLExecution, ref_args
from ..registry import register
from .reduction import chosen_scheme, is_float32, launch, layout_schemes


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
        return layer_norm_rows(node, shape)

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        if not all(is_float32(t) for t in inputs + outputs if t):
            return False
        try:
            return layer_norm_fits(node, inputs)
        except ShapeInferenceError:
            return False

    def parameters(self, inputs):
        return layer_norm_parameters(inputs)


@register("InstanceNormalization")
class CLInstanceNormalization(CLNormalization):
    """Each (n, c) plane standardised, then scaled and shifted by channel c's scale and bias."""

    per_row = True

    @classmethod
    def rows(cls, node, shape):
        return instance_norm_rows(shape)

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return len(inputs[0].shape) >= 2 and all(is_float32(t) for t in inputs + outputs if t)

    def parameters(self, inputs):
        return inputs[0].shape[1], 1, 1
