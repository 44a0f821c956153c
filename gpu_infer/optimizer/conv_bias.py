"""Fold a constant per-channel (or scalar) Mul or Add that follows a Conv / ConvTranspose into it.

Exporters (Paddle, some TF converters) often emit the bias as a separate Add, and
re-parameterized blocks a per-channel scale as a separate Mul; folding them (a Mul
scales the weights and the bias, an Add shifts the bias) lets the activation after
them fuse into the convolution too.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from ._graph import Uses, constant, rewrite_each


def run(graph: Graph) -> bool:
    return rewrite_each(graph, "Mul", _fold) | rewrite_each(graph, "Add", _fold)


def _channels(conv: Node, weight: np.ndarray) -> int:
    return weight.shape[0] if conv.op_type == "Conv" else weight.shape[1] * conv.attr("group", 1)


def _scale_weight(conv: Node, weight: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The weight with output channel m multiplied by scale[m]."""
    if conv.op_type == "Conv":                                 # (M, C/g, *k)
        return (weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))).astype(weight.dtype)
    g = conv.attr("group", 1)                                  # (C, M/g, *k), m = group * M/g + j
    c, mg = weight.shape[:2]
    grouped = weight.reshape((g, c // g, mg) + weight.shape[2:])
    factor = scale.reshape((g, 1, mg) + (1,) * (weight.ndim - 2))
    return (grouped * factor).reshape(weight.shape).astype(weight.dtype)


def _fold(uses: Uses, add: Node) -> bool:
    graph = uses.graph
    for side in (0, 1):
        conv = uses.producer.get(add.input(side))
        value = constant(graph, add.input(1 - side))
        if conv is None or value is None or conv.op_type not in ("Conv", "ConvTranspose") or conv.domain \
                or conv.activation is not None or uses.sole_reader(add.input(side)) is not add:
            continue
        weight = constant(graph, conv.input(1))
        if weight is None or value.dtype != weight.dtype:
            continue
        m, rank = _channels(conv, weight), weight.ndim      # the output has the weight's rank
        dims = (1,) * (rank - value.ndim) + value.shape
        if value.ndim > rank or value.size not in (1, m) or dims[1] != value.size:   # [1, M or 1, 1, ...]
            continue
        bias_name = conv.input(2)
        old = constant(graph, bias_name) if bias_name else np.zeros(m, weight.dtype)
        if old is None:
            continue
        per_channel = np.broadcast_to(value.reshape(-1), (m,))
        base = conv.name or "conv"
        if add.op_type == "Mul":
            w_name = uses.fresh_name(f"{base}_weight_scaled")
            graph.initializers[w_name] = _scale_weight(conv, weight, per_channel)
            bias = old * per_channel
        else:
            w_name, bias = conv.input(1), old + per_channel
        b_name = uses.fresh_name(f"{base}_bias_folded")
        graph.initializers[b_name] = bias.astype(weight.dtype)
        uses.set_inputs(conv, [conv.input(0), w_name, b_name])
        uses.remove(add)
        uses.replace_output(conv, 0, add.outputs[0])
        return True
    return False
