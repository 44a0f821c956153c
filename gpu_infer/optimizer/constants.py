"""Turn Constant nodes into initializers (no shapes needed)."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node

_SCALAR_ATTRS = {"value_float": np.float32, "value_int": np.int64, "value_string": object}
_LIST_ATTRS = {"value_floats": np.float32, "value_ints": np.int64, "value_strings": object}


def constant_value(node: Node) -> np.ndarray | None:
    """The value a Constant node produces, or None for a form we do not read (sparse_value)."""
    if "value" in node.attrs and isinstance(node.attrs["value"], np.ndarray):
        return node.attrs["value"]
    for key, dtype in _SCALAR_ATTRS.items():
        if key in node.attrs:
            return np.array(node.attrs[key], dtype=dtype)
    for key, dtype in _LIST_ATTRS.items():
        if key in node.attrs:
            return np.array(list(node.attrs[key]), dtype=dtype)
    return None


def run(graph: Graph) -> bool:
    changed = False
    kept = []
    for node in graph.nodes:
        value = constant_value(node) if node.op_type == "Constant" and node.domain == "" else None
        if value is None:
            kept.append(node)
            continue
        graph.initializers[node.outputs[0]] = value
        graph.value_info.pop(node.outputs[0], None)
        changed = True
    graph.nodes = kept
    return changed
