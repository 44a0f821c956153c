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
from ._graph import Uses, constant, has_op, is_float
from .fuse_activation import PRODUCERS

SIXTH = 1.0 / 6.0


def run(graph: Graph) -> bool:
    if not has_op(graph, "Div", "Mul"):
        return False
    uses = Uses(graph)
    for node in list(graph.nodes):
        if uses.alive(node) and not node.domain and node.op_type in ("Div", "Mul"):
            _rewrite(uses, node)
    return uses.commit()


def _rewrite(uses: Uses, node: Node) -> bool:
    graph, producers = uses.graph, uses.producer
    if node.op_type == "Mul":
        hard = _hard_sigmoid_times_x(uses, node)
        if hard is not None:
            return _replace(uses, [hard, node], "HardSwish", hard.inputs[0], {})
    scaled = _scaled_by_sixth(graph, node)
    if scaled is None:
        return False
    inner = producers.get(scaled)
    if inner is None or uses.sole_reader(scaled) is not node:
        return False
    x = _clip_of_x_plus_3(uses, inner)
    if x is not None:                                        # Clip(x + 3, 0, 6) / 6
        return _replace(uses, _chain(inner, producers) + [node], "HardSigmoid", x,
                        {"alpha": SIXTH, "beta": 0.5})
    if inner.op_type == "Mul" and not inner.domain:          # x * Clip(x + 3, 0, 6) / 6
        for i in (0, 1):
            clip = producers.get(inner.inputs[i])
            if clip is not None and uses.sole_reader(inner.inputs[i]) is inner \
                    and _clip_of_x_plus_3(uses, clip) == inner.inputs[1 - i]:
                return _replace(uses, _chain(clip, producers) + [inner, node], "HardSwish",
                                inner.inputs[1 - i], {})
    return False


def _scaled_by_sixth(graph: Graph, node: Node) -> str | None:
    """The operand that `node` divides by 6 (or multiplies by 1/6), else None."""
    if node.op_type == "Div":
        return node.inputs[0] if _is_scalar(graph, node.inputs[1], 6.0) else None
    for i in (0, 1):
        if _is_scalar(graph, node.inputs[1 - i], SIXTH):
            return node.inputs[i]
    return None


def _clip_of_x_plus_3(uses: Uses, clip: Node) -> str | None:
    """x when `clip` is Clip(Add(x, 3), 0, 6) with the Add read only by the Clip."""
    graph = uses.graph
    if clip.op_type != "Clip" or clip.domain or not is_float(graph, clip.inputs[0]):
        return None
    if clip.opset < 11:
        lo, hi = clip.attr("min"), clip.attr("max")
        bounds_ok = lo is not None and hi is not None and np.isclose(lo, 0) and np.isclose(hi, 6)
    else:
        bounds_ok = _is_scalar(graph, clip.input(1), 0.0) and _is_scalar(graph, clip.input(2), 6.0)
    add = uses.producer.get(clip.inputs[0])
    if not bounds_ok or add is None or add.op_type != "Add" or add.domain \
            or uses.sole_reader(clip.inputs[0]) is not clip:
        return None
    for i in (0, 1):
        if _is_scalar(graph, add.inputs[1 - i], 3.0) and add.inputs[i] not in graph.initializers:
            return add.inputs[i]
    return None


def _hard_sigmoid_times_x(uses: Uses, mul: Node) -> Node | None:
    for i in (0, 1):
        hs = uses.producer.get(mul.inputs[i])
        if hs is not None and hs.op_type == "HardSigmoid" and not hs.domain \
                and hs.inputs[0] == mul.inputs[1 - i] and uses.sole_reader(mul.inputs[i]) is mul \
                and np.isclose(hs.attr("alpha", 0.2), SIXTH) and np.isclose(hs.attr("beta", 0.5), 0.5):
            return hs
    return None


def _chain(clip: Node, producers: dict[str, Node]) -> list[Node]:
    return [producers[clip.inputs[0]], clip]


def _is_scalar(graph: Graph, name: str, value: float) -> bool:
    c = constant(graph, name)
    return c is not None and c.size == 1 and c.dtype.kind == "f" and bool(np.isclose(c.reshape(()), value))


def _replace(uses: Uses, old: list[Node], op: str, x: str, attrs: dict[str, float]) -> bool:
    """Compute `op(x)` into the output of the last of `old` and drop `old`.

    HardSwish exists from opset 14; below that it can still live as the fused
    activation of the Conv / ConvTranspose / Gemm producing x, when nothing else reads x.
    """
    graph, last = uses.graph, old[-1]
    opset = graph.opsets.get("", last.opset)
    if op == "HardSwish" and opset < 14:
        producer = uses.producer.get(x)
        if producer is None or producer.op_type not in PRODUCERS or producer.domain \
                or producer.activation is not None or uses.pinned(x) \
                or any(not any(n is o for o in old) for n in uses.readers(x)):
            return False
        producer.activation = Activation(op, attrs)
        for n in old:
            uses.remove(n)
        uses.replace_output(producer, 0, last.outputs[0])
        graph.value_info.pop(x, None)
    else:
        for n in old[:-1]:
            uses.remove(n)
        last.op_type, last.domain, last.opset, last.attrs, last.activation = op, "", opset, dict(attrs), None
        uses.set_inputs(last, [x])
    for n in old[:-1]:
        for o in n.outputs:
            graph.value_info.pop(o, None)
    return True
