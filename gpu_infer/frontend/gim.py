"""The .gim file: an optimized Graph saved as an ONNX protobuf.

Fused ops use the custom domain of onnx_import. With `fp16_weights`, float32
initializers are stored as float16 and listed in the metadata property
FP16_WEIGHTS_KEY; graph_from_onnx turns them back into float32.
"""
from __future__ import annotations

import json
import os

import numpy as np
import onnx

from ..ir import Graph
from .onnx_import import FP16_WEIGHTS_KEY, graph_to_onnx


def save_gim(graph: Graph, path: str | os.PathLike, fp16_weights: bool = False) -> None:
    graph = graph.copy()
    if fp16_weights:
        halved = sorted(k for k, a in graph.initializers.items() if a.dtype == np.float32)
        for name in halved:
            graph.initializers[name] = graph.initializers[name].astype(np.float16)
        graph.metadata[FP16_WEIGHTS_KEY] = json.dumps(halved)
    model = graph_to_onnx(graph)
    onnx.checker.check_model(model)
    onnx.save_model(model, os.fspath(path))
