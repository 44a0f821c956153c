"""Run a Graph node by node on the CPU kernels: the reference interpreter.

Used by specialize() to learn shapes that onnx's shape inference cannot, and by tests.
"""
from __future__ import annotations

from typing import Callable, Container, Mapping

import numpy as np

from ..ir import Graph, Node
from .value_shapes import value_shaped

__all__ = ["run_graph", "value_shaped"]


def run_graph(graph: Graph, feeds: Mapping[str, np.ndarray],
              stop: Callable[[Node, Container[str]], bool] | None = None) -> dict[str, np.ndarray]:
    """Every tensor's value (inputs, initializers, node outputs); nodes run in list order.

    With `stop`, a node for which ``stop(node, constant names)`` holds is not run, nor is any
    node that needs one of its outputs: their outputs are absent from the result.
    """
    from ..backends.cpu import evaluate_node   # late: the CPU backend imports the IR, not us
    env: dict[str, np.ndarray] = dict(graph.initializers)
    env.update({k: np.asarray(v) for k, v in feeds.items()})
    for node in graph.nodes:
        if stop is not None and (stop(node, graph.initializers) or any(i and i not in env for i in node.inputs)):
            continue
        args = [env[i] if i else None for i in node.inputs]
        for name, value in zip(node.outputs, evaluate_node(node, args)):
            if name:
                env[name] = value
    return env
