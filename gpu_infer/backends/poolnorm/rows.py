"""Softmax and the normalizations as the GPU kernels see them: rows of elements normalised
each on its own."""
from __future__ import annotations

import math

from ..base import Tensor
from ..cpu.ops.axes import axis as norm_axis

FLOAT = 1                   # TensorProto.FLOAT: LayerNormalization's stash_type, the only one run on GPUs


def softmax_view(node, shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(outer, n, inner): the rows Softmax normalises. From opset 13 a single axis (default -1);
    before, the input coerced to 2-D at `axis` (default 1), so a row is everything from it on."""
    if node.opset >= 13:
        a = norm_axis(node, node.attr("axis", -1), len(shape))
        return math.prod(shape[:a]), shape[a], math.prod(shape[a + 1:])
    a = norm_axis(node, node.attr("axis", 1), len(shape), extra=1, below=0)
    return math.prod(shape[:a]), math.prod(shape[a:]), 1


def trailing(param: Tensor, normalised: tuple[int, ...]) -> bool:
    """Whether `param` is the normalised shape or a suffix of it (leading 1s aside): element
    i of a row then reads param[i % param.size]."""
    shape = tuple(param.shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return not shape or normalised[len(normalised) - len(shape):] == shape


def layer_norm_rows(node, shape: tuple[int, ...]) -> tuple[int, int]:
    """(rows, n) of LayerNormalization: the axes from `axis` on form a row."""
    first = norm_axis(node, node.attr("axis", -1), len(shape))
    return math.prod(shape[:first]), math.prod(shape[first:])


def instance_norm_rows(shape: tuple[int, ...]) -> tuple[int, int]:
    """(rows, n) of InstanceNormalization: each (n, c) plane is a row."""
    return math.prod(shape[:2]), math.prod(shape[2:])


def layer_norm_fits(node, inputs: list[Tensor | None]) -> bool:
    """Whether the kernels run this LayerNormalization: stash_type float, an axis in range, scale
    and bias the normalised shape or a suffix of it (raises ShapeInferenceError for a bad axis)."""
    if node.attr("stash_type", FLOAT) != FLOAT:
        return False
    first = norm_axis(node, node.attr("axis", -1), len(inputs[0].shape))
    normalised = tuple(inputs[0].shape[first:])
    return all(trailing(p, normalised) for p in inputs[1:] if p is not None)


def layer_norm_parameters(inputs: list[Tensor | None]) -> tuple[int, int, int]:
    """The norm kernels' (period, scale_n, bias_n) of LayerNormalization: element i of a row
    reads scale[i % scale_n] and bias[i % bias_n]."""
    bias = inputs[2] if len(inputs) > 2 else None
    return 1, max(inputs[1].size, 1), max(bias.size if bias is not None else 1, 1)
