"""Reshape-like ops as views: the output aliases input 0's storage (no kernel, no memory).

The planner binds a view to its root's storage when the layout is plain (it converts to
plain first otherwise) and keeps the root alive while any view is read. Every backend
registers these ops with a view execution (the CPU's are its NumPy kernels, also used to
fold constants, with ``is_view`` set).
"""
from __future__ import annotations

import numpy as np

from .base import Execution, OpRegistry

VIEW_OPS = ("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity")


class ViewExecution(Execution):
    is_view = True

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return inputs[0] is not None and np.dtype(inputs[0].dtype) != np.dtype(object)

    def on_execute(self, inputs, outputs) -> None:
        """Never called: the planner leaves views out of the program."""


def register_views(registry: OpRegistry) -> None:
    registry.register(*VIEW_OPS)(ViewExecution)
