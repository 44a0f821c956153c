"""LayerNormalization and InstanceNormalization on Vulkan (spirv_shaders/norm.comp)."""
from __future__ import annotations

import numpy as np

from ....errors import ShapeInferenceError
from ....scheduler.schemes import Scheme
from ...base import Tensor
from ...poolnorm.rows import instance_norm_rows, layer_norm_fits, layer_norm_parameters, layer_norm_rows
from ..execution import kernel_tensors, pack
from ..registry import register
from .reduction import FLOAT32, VKReducing, data_variant, layout_schemes


class VKNormalization(VKReducing):
    """Rows standardised by norm.comp; subclasses say what a row is and where scale and bias apply."""

    family = "norm"
    stem = ""

    @classmethod
    def rows(cls, node, shape: tuple[int, ...]) -> tuple[int, int]:
        """(rows, n): the rows standardised, each n contiguous elements."""
        raise NotImplementedError

    def parameters(self, inputs: list[Tensor | None]) -> tuple[int, int, int]:
        """norm.comp's (period, scale_n, bias_n): where a row finds its scale and bias."""
        raise NotImplementedError

    def schemes(self, inputs, outputs) -> list[Scheme]:
        rows, n = self.rows(self.node, inputs[0].shape)
        return layout_schemes("norm", rows, n)

    def bind(self, inputs, outputs) -> None:
        x, scale, y = inputs[0], inputs[1], outputs[0]
        bias = inputs[2] if len(inputs) > 2 else None
        mean, inv = (outputs[k] if len(outputs) > k else None for k in (1, 2))
        rows, n = self.rows(self.node, x.shape)
        if not rows:
            return
        stats = (mean is not None) | (inv is not None) << 1
        period, scale_n, bias_n = self.parameters(inputs)
        push = pack(*np.int32([rows, n, period, scale_n, bias_n, bias is not None, stats]),
                    np.float32(self.node.attr("epsilon", 1e-5)))
        # an absent output's binding is y, marked unused ("-"); an absent bias's is x, read as a texel
        # view like the others (its binding must be one in the .tx variant), never fetched; x is read
        # as quads too
        refs = [x.handle, y.handle, scale.handle, (bias or x).handle, (mean or y).handle, (inv or y).handle, x.handle]
        modes = "twtt" + "".join(m if t is not None else "-" for t, m in ((mean, "w"), (inv, "w"))) + "v"
        self.reduce_dispatch(self.stem, data_variant(x), refs, modes, push, rows, inputs, outputs)


@register("LayerNormalization")
class VKLayerNormalization(VKNormalization):
    """Over the axes from `axis` on; scale and bias the normalised shape or a suffix of it. Mean and
    InvStdDev, when asked for, are computed in float (stash_type float only)."""

    stem = "layer_norm"

    @classmethod
    def rows(cls, node, shape):
        return layer_norm_rows(node, shape)

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        try:
            if not layer_norm_fits(node, inputs):
                return "stash_type other than float, or a scale or bias that is not a suffix of the normalised shape"
        except ShapeInferenceError as exc:
            return str(exc)
        return kernel_tensors(list(inputs) + list(outputs), FLOAT32)

    def parameters(self, inputs):
        return layer_norm_parameters(inputs)


@register("InstanceNormalization")
class VKInstanceNormalization(VKNormalization):
    """Each (n, c) plane standardised, then scaled and shifted by channel c's scale and bias."""

    stem = "instance_norm"

    @classmethod
    def rows(cls, node, shape):
        return instance_norm_rows(shape)

    @classmethod
    def kernel_refusal(cls, node, inputs, outputs) -> str | None:
        if len(inputs[0].shape) < 2:
            return "the input has fewer than 2 dims"
        return kernel_tensors(list(inputs) + list(outputs), FLOAT32)

    def parameters(self, inputs):
        return inputs[0].shape[1], 1, 1
