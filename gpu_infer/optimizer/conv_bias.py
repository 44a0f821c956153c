"""Fold a constant per-channel Add that follows a Conv / ConvTranspose into its bias.

Exporters (Paddle, some TF converters) often emit the bias as a separate Add; folding it
lets the activation after it fuse into the convolution too.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from ._graph import constant, fresh_name, replace_output, rewrite_each, sole_consumer


def run(graph: Graph) -> bool:
    return rewrite_each(graph, "Add", _fold)


def _channels(conv: Node, weight: np.ndarray) -> int:
    return weight.shape[0] if conv.op_type == "Conv" else weight.shape[1] * conv.attr("group", 1)


def _fold(graph: Graph, add: Node) -> bool:
    producers = {o: n for n in graph.nodes for o in n.outputs if o}
    for side in (0, 1):
        conv = producers.get(add.input(side))
        value = constant(graph, add.input(1 - side))
        if conv is None or value is None or conv.op_type not in ("Conv", "ConvTranspose") or conv.domain \
                or conv.activation is not None or sole_consumer(graph, add.input(side)) is not add:
            continue
        weight = constant(graph, conv.input(1))
        if weight is None or value.dtype != weight.dtype:
            continue
        m, rank = _channels(conv, weight), weight.ndim      # the output has the weight's rank
        dims = (1,) * (rank - value.ndim) + value.shape
        if value.ndim > rank or dims[1] != m or value.size != m:   # per-channel: [1, M, 1, ...]
            continue
        bias_name = conv.input(2)
        old = constant(graph, bias_name) if bias_name else np.zeros(m, weight.dtype)
        if old is None:
            continue
        new_name = fresh_name(graph, f"{conv.name or 'conv'}_bias_folded")
        graph.initializers[new_name] = (old + value.reshape(m)).astype(weight.dtype)
        conv.inputs = conv.inputs[:2] + [new_name]
        replace_output(graph, conv, 0, add.outputs[0])
        graph.nodes.remove(add)
        return True
    return False

