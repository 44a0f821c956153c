"""Graph optimizer: passes that rewrite the IR in place, run to a fixed point.

Each pass module exposes ``run(graph) -> bool`` (True when it changed something).
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from ..ir import Graph
from . import constants, conv_bias, dead_code, fold_bn, fuse_activation, hard_activations, identity, matmul_add

PASSES: tuple[ModuleType, ...] = (constants, identity, fold_bn, conv_bias, matmul_add, hard_activations,
                                  fuse_activation, dead_code)


def optimize(graph: Graph, max_rounds: int = 8) -> Graph:
    """Run every pass until none changes the graph; returns the same graph."""
    with np.errstate(all="ignore"):      # folding inf / NaN weights is the model's business
        for _ in range(max_rounds):
            changed = False
            for p in PASSES:
                changed |= bool(p.run(graph))
            if not changed:
                break
    return graph


__all__ = ["optimize", "PASSES"]
