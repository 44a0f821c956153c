"""Run a Graph node by node on the CPU kernels: the reference interpreter.

Used by specialize() to learn shapes that onnx's shape inference cannot, and by tests.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..ir import Graph


def run_graph(graph: Graph, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor's value (inputs, initializers, node outputs); nodes run in list order."""
    from ..backends.cpu import evaluate_node   # late: the CPU backend imports the IR, not us
    env: dict[str, np.ndarray] = dict(graph.initializers)
    env.update({k: np.asarray(v) for k, v in feeds.items()})
    for node in graph.nodes:
        args = [env[i] if i else None for i in node.inputs]
        for name, value in zip(node.outputs, evaluate_node(node, args)):
            if name:
                env[name] = value
    return env
