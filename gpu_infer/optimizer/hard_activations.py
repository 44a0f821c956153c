"""Recognize HardSigmoid and HardSwish that exporters spelled out in elementwise ops.

PaddlePaddle (and PyTorch before opset 14) write hardswish as ``x * Clip(x + 3, 0, 6) / 6``
and hardsigmoid as ``Clip(x + 3, 0, 6) / 6``: four passes over memory where one op does
(and fuse_activation can then fold it into the producing Conv). Also folds
``x * HardSigmoid(x, alpha=1/6, beta=0.5)`` into ``HardSwish(x)``. Recognized forms:

    Div(c, 6) | Mul(c, 1/6)                  c = Clip(Add(x, 3), 0, 6)   -> HardSigmoid(x)
    Div(Mul(x, c), 6) | Mul(Mul(x, c), 1/6)                              -> HardSwish(x)
    Mul(x, HardSigmoid(x, alpha=1/6, beta=0.5))                          -> HardSwish(x)
"""
from __future__ import annotations

import numpy as np

from ..ir import Activation, Graph, Node
from ._graph import constant, is_float, output_names, replace_output, sole_consumer, subgraph_refs
from .fuse_activation import PRODUCERS

SIXTH = 1.0 / 6.0


def run(graph: Graph) -> bool:
    producers = graph.producers()
    changed = False
    for node in list(graph.nodes):
        if node in graph.nodes and not node.domain and node.op_type in ("Div", "Mul"):
            changed |= _rewrite(graph, node, producers)
    return changed


def _rewrite(graph: Graph, node: Node, producers: dict[str, Node]) -> bool:
    if node.op_type == "Mul":
        hard = _hard_sigmoid_times_x(graph, node, producers)
        if hard is not None:
            return _replace(graph, [hard, node], "HardSwish", hard.inputs[0], {}, producers)
    scaled = _scaled_by_sixth(graph, node)
    if scaled is None:
        return False
    inner = producers.get(scaled)
    if inner is None or sole_consumer(graph, scaled) is not node:
        return False
    x = _clip_of_x_plus_3(graph, inner, producers)
    if x is not None:                                        # Clip(x + 3, 0, 6) / 6
        return _replace(graph, _chain(inner, producers) + [node], "HardSigmoid", x,
                        {"alpha": SIXTH, "beta": 0.5}, producers)
    if inner.op_type == "Mul" and not inner.domain:          # x * Clip(x + 3, 0, 6) / 6
        for i in (0, 1):
            clip = producers.get(inner.inputs[i])
            if clip is not None and sole_consumer(graph, inner.inputs[i]) is inner \
                    and _clip_of_x_plus_3(graph, clip, producers) == inner.inputs[1 - i]:
                return _replace(graph, _chain(clip, producers) + [inner, node], "HardSwish",
                                inner.inputs[1 - i], {}, producers)
    return False


def _scaled_by_sixth(graph: Graph, node: Node) -> str | None:
    """The operand that `node` divides by 6 (or multiplies by 1/6), else None."""
    if node.op_type == "Div":
        return node.inputs[0] if _is_scalar(graph, node.inputs[1], 6.0) else None
    for i in (0, 1):
        if _is_scalar(graph, node.inputs[1 - i], SIXTH):
            return node.inputs[i]
    return None


def _clip_of_x_plus_3(graph: Graph, clip: Node, producers: dict[str, Node]) -> str | None:
    """x when `clip` is Clip(Add(x, 3), 0, 6) with the Add read only by the Clip."""
    if clip.op_type != "Clip" or clip.domain or not is_float(graph, clip.inputs[0]):
        return None
    if clip.opset < 11:
        lo, hi = clip.attr("min"), clip.attr("max")
        bounds_ok = lo is not None and hi is not None and np.isclose(lo, 0) and np.isclose(hi, 6)
    else:
        bounds_ok = _is_scalar(graph, clip.input(1), 0.0) and _is_scalar(graph, clip.input(2), 6.0)
    add = producers.get(clip.inputs[0])
    if not bounds_ok or add is None or add.op_type != "Add" or add.domain \
            or sole_consumer(graph, clip.inputs[0]) is not clip:
        return None
    for i in (0, 1):
        if _is_scalar(graph, add.inputs[1 - i], 3.0) and add.inputs[i] not in graph.initializers:
            return add.inputs[i]
    return None


def _hard_sigmoid_times_x(graph: Graph, mul: Node, producers: dict[str, Node]) -> Node | None:
    for i in (0, 1):
        hs = producers.get(mul.inputs[i])
        if hs is not None and hs.op_type == "HardSigmoid" and not hs.domain \
                and hs.inputs[0] == mul.inputs[1 - i] and sole_consumer(graph, mul.inputs[i]) is mul \
                and np.isclose(hs.attr("alpha", 0.2), SIXTH) and np.isclose(hs.attr("beta", 0.5), 0.5):
            return hs
    return None


def _chain(clip: Node, producers: dict[str, Node]) -> list[Node]:
    return [producers[clip.inputs[0]], clip]


def _is_scalar(graph: Graph, name: str, value: float) -> bool:
    c = constant(graph, name)
    return c is not None and c.size == 1 and c.dtype.kind == "f" and bool(np.isclose(c.reshape(()), value))


def _replace(graph: Graph, old: list[Node], op: str, x: str, attrs: dict[str, float],
             producers: dict[str, Node]) -> bool:
    """Compute `op(x)` into the output of the last of `old` and drop `old`.

    HardSwish exists from opset 14; below that it can still live as the fused
    activation of the Conv / ConvTranspose / Gemm producing x, when nothing else reads x.
    """
    last = old[-1]
    opset = graph.opsets.get("", last.opset)
    if op == "HardSwish" and opset < 14:
        producer = producers.get(x)
        readers = [n for n in graph.nodes if x in n.inputs]
        if producer is None or producer.op_type not in PRODUCERS or producer.domain \
                or producer.activation is not None or any(n not in old for n in readers) \
                or x in output_names(graph) or x in subgraph_refs(graph):
            return False
        producer.activation = Activation(op, attrs)
        replace_output(graph, producer, 0, last.outputs[0])
        producers[last.outputs[0]] = producer
        for n in old:
            graph.nodes.remove(n)
        graph.value_info.pop(x, None)
    else:
        fused = Node(op, [x], list(last.outputs), dict(attrs), last.name, opset=opset)
        graph.nodes[graph.nodes.index(last)] = fused
        producers[last.outputs[0]] = fused
        for n in old[:-1]:
            graph.nodes.remove(n)
    for n in old[:-1]:
        for o in n.outputs:
            graph.value_info.pop(o, None)
            producers.pop(o, None)
    return True
