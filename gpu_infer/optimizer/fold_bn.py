"""Fold an inference BatchNormalization into the Conv / ConvTranspose / Gemm feeding it.

y = (x - mean) * s + B with s = scale / sqrt(var + eps) is linear per output channel,
so it scales the weights' output channels and shifts the bias. Weight layouts:
Conv M x C/g x k..., ConvTranspose C x M/g x k..., Gemm K x N (N x K with transB).
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from ._graph import Uses, constant, rewrite_each

PRODUCERS = ("Conv", "ConvTranspose", "Gemm")


def run(graph: Graph) -> bool:
    return rewrite_each(graph, "BatchNormalization", _fold)


def _bn_affine(uses: Uses, bn: Node) -> tuple[np.ndarray, np.ndarray] | None:
    """(s, shift) with y = x * s + shift, or None where BN is not a constant inference BN."""
    graph = uses.graph
    if any(o and uses.is_read(o) for o in bn.outputs[1:]) or bn.attr("training_mode", 0):
        return None
    if bn.opset < 9 and bn.attr("spatial", 1) != 1:
        return None
    params = [constant(graph, bn.input(i)) for i in range(1, 5)]
    if any(p is None or p.ndim != 1 for p in params):
        return None
    scale, bias, mean, var = (p.astype(np.float64) for p in params)   # type: ignore[union-attr]
    s = scale / np.sqrt(var + float(bn.attr("epsilon", 1e-5)))
    return s, bias - mean * s


def _fold(uses: Uses, bn: Node) -> bool:
    graph, x = uses.graph, bn.inputs[0]
    producer = uses.producer.get(x)
    if producer is None or producer.op_type not in PRODUCERS or producer.domain \
            or producer.activation is not None or producer.outputs[0] != x \
            or uses.sole_reader(x) is not bn:
        return False
    affine = _bn_affine(uses, bn)
    weight = constant(graph, producer.input(1))
    bias_name = producer.input(2)
    bias = constant(graph, bias_name)
    if affine is None or weight is None or (bias_name and bias is None) \
            or not np.issubdtype(weight.dtype, np.floating):
        return False
    s, shift = affine
    folded = _scaled(producer, weight, s, bias, shift)
    if folded is None:
        return False
    new_w, new_b = folded
    _set_input(uses, producer, 1, new_w.astype(weight.dtype))
    _set_input(uses, producer, 2, new_b.astype(weight.dtype))
    if producer.op_type == "Gemm":
        producer.attrs["beta"] = 1.0
    uses.remove(bn)
    uses.replace_output(producer, 0, bn.outputs[0])
    return True


def _scaled(node: Node, w: np.ndarray, s: np.ndarray, bias: np.ndarray | None,
            shift: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    w64 = w.astype(np.float64)
    c = s.shape[0]
    if node.op_type == "Conv":
        if w.ndim < 3 or w.shape[0] != c:
            return None
        new_w = w64 * s.reshape((c,) + (1,) * (w.ndim - 1))
        out_shape: tuple[int, ...] = (c,)
    elif node.op_type == "ConvTranspose":
        g = int(node.attr("group", 1))
        if w.ndim < 3 or w.shape[1] * g != c or w.shape[0] % g:
            return None
        grouped = w64.reshape((g, w.shape[0] // g, w.shape[1], -1))
        new_w = (grouped * s.reshape(g, 1, w.shape[1], 1)).reshape(w.shape)
        out_shape = (c,)
    else:
        if w.ndim != 2 or node.attr("transA", 0) not in (0, 1):
            return None
        trans_b = bool(node.attr("transB", 0))
        if w.shape[0 if trans_b else 1] != c:
            return None
        new_w = w64 * (s[:, None] if trans_b else s[None, :])
        if bias is not None:
            bias = bias.astype(np.float64) * float(node.attr("beta", 1.0))
        out_shape = np.broadcast_shapes(bias.shape, (c,)) if bias is not None else (c,)
    if bias is not None and node.op_type != "Gemm" and bias.shape != (c,):
        return None
    old_b = np.zeros(out_shape) if bias is None else np.broadcast_to(bias.astype(np.float64), out_shape)
    return new_w, old_b * s + shift


def _set_input(uses: Uses, node: Node, index: int, value: np.ndarray) -> None:
    base = node.input(index) or f"{node.name}_bias"
    name = uses.fresh_name(f"{base}_bnfold")
    uses.graph.initializers[name] = value
    inputs = node.inputs + [""] * (index + 1 - len(node.inputs))
    inputs[index] = name
    uses.set_inputs(node, inputs)
