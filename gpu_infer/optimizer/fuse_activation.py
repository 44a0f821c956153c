"""Fuse Relu / Clip / LeakyRelu / Sigmoid / HardSigmoid / HardSwish into the Conv,
ConvTranspose or Gemm that produces their input, as `Node.activation`.

A backend then applies the activation in the producer's epilogue instead of a second pass
over memory. Clip bounds must be constants (attributes before opset 11, inputs after).
"""
from __future__ import annotations

from ..ir import Activation, Graph, Node
from ._graph import Uses, constant, has_op

PRODUCERS = ("Conv", "ConvTranspose", "Gemm")
DEFAULTS = {"LeakyRelu": {"alpha": 0.01}, "HardSigmoid": {"alpha": 0.2, "beta": 0.5}}


def activation_of(graph: Graph, node: Node) -> Activation | None:
    """The node as a fusable Activation, or None (unknown op, non-constant Clip bounds)."""
    op = node.op_type
    if node.domain or op not in ("Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish"):
        return None
    if op == "Clip":
        if node.opset < 11:
            bounds = {"min": node.attr("min"), "max": node.attr("max")}
        else:
            bounds = {}
            for key, i in (("min", 1), ("max", 2)):
                if node.input(i):
                    value = constant(graph, node.input(i))
                    if value is None or value.size != 1:
                        return None
                    bounds[key] = float(value.reshape(()))
        return Activation("Clip", {k: float(v) for k, v in bounds.items() if v is not None})
    attrs = {k: float(node.attr(k, v)) for k, v in DEFAULTS.get(op, {}).items()}
    return Activation(op, attrs)


def run(graph: Graph) -> bool:
    if not has_op(graph, *PRODUCERS):
        return False
    uses = Uses(graph)
    for act_node in list(graph.nodes):
        producer = uses.producer.get(act_node.input(0))
        if producer is None or producer.op_type not in PRODUCERS or producer.domain \
                or producer.activation is not None or uses.sole_reader(act_node.inputs[0]) is not act_node:
            continue
        act = activation_of(graph, act_node)
        if act is None:
            continue
        producer.activation = act
        uses.remove(act_node)
        uses.replace_output(producer, 0, act_node.outputs[0])
    return uses.commit()
