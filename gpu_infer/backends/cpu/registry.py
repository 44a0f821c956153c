"""The CPU backend's op registry and the base class of its executions."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..base import Execution, OpRegistry, Tensor

CPU_REGISTRY = OpRegistry("cpu")
register = CPU_REGISTRY.register


class NumpyExecution(Execution):
    """A CPU execution whose math is a pure function of NumPy arrays.

    Subclasses implement :meth:`compute`; absent optional inputs arrive as
    None. Attributes come from ``self.node`` (``self.node.attr(...)``,
    ``self.node.opset``). The same code folds constants at load time through
    :func:`evaluate_node`, so ``compute`` must not depend on ``self.backend``.
    """

    def compute(self, *inputs: np.ndarray | None) -> np.ndarray | Sequence[np.ndarray]:
        raise NotImplementedError

    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        results = self.compute(*[t.handle if t is not None else None for t in inputs])
        if isinstance(results, np.ndarray) or np.isscalar(results):
            results = (results,)
        for tensor, value in zip(outputs, results):
            if tensor is None:
                continue
            value = np.asarray(value)
            if value.shape != tuple(tensor.shape):
                raise RuntimeError(f"{self.node.describe()}: computed {tensor.name} with shape "
                                   f"{value.shape}, planned {tuple(tensor.shape)}")
            np.copyto(tensor.handle, value, casting="unsafe")
