"""One node of a planned graph, planned alone: the tuner measures its schemes this way, and
`gpu-infer check` reruns a divergent node on the reference's inputs."""
from __future__ import annotations

from typing import Collection

import numpy as np

from .backends.base import Backend
from .ir import Graph, Node, TensorInfo
from .pipeline import prepare
from .pipeline.plan import Plan


def node_alone(graph: Graph, node: Node) -> Graph:
    """A graph of `node` alone: its constant inputs kept as constants, its other inputs graph
    inputs, its outputs graph outputs (shapes and types from `graph`)."""
    names = list(dict.fromkeys(n for n in node.inputs if n))
    inits = {n: graph.initializers[n] for n in names if n in graph.initializers}
    inputs = [TensorInfo(n, graph.value_info[n].dtype, graph.value_info[n].shape) for n in names if n not in inits]
    outputs = [TensorInfo(o, graph.value_info[o].dtype, graph.value_info[o].shape) for o in node.outputs if o]
    return Graph([node.copy()], inputs, outputs, inits, {i.name: i for i in inputs + outputs}, dict(graph.opsets),
                 f"{node.name} alone")


def plan_alone(graph: Graph, node: Node, backend: Backend, host: Backend, pinned_fp32: bool = False) -> Plan:
    """`node` alone planned strictly on `backend` (pinned to FP32 if it was in its plan)."""
    alone = node_alone(graph, node)
    shapes = {i.name: tuple(i.shape) for i in alone.inputs}
    pins: Collection[str] = {node.name} if pinned_fp32 else ()
    return prepare(alone, shapes, [backend, host] if backend is not host else [host], strict=True,
                   optimize_graph=False, fp32_nodes=pins)


def sample_feeds(graph: Graph, seed: int = 0) -> dict[str, np.ndarray]:
    """Values for `graph`'s inputs that do not matter to a kernel's speed: normal floats, zeros
    elsewhere (valid indices)."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for info in graph.inputs:
        dtype, shape = np.dtype(info.dtype), tuple(info.shape)
        feeds[info.name] = rng.standard_normal(shape).astype(dtype) if dtype.kind == "f" else np.zeros(shape, dtype)
    return feeds
