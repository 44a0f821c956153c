"""The CPU backend's op registry and the base class of its executions."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ...errors import DeviceError, ExecutionError, GpuInferError
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

    _destinations: tuple[np.ndarray | None, ...] = ()

    def compute(self, *inputs: np.ndarray | None) -> np.ndarray | Sequence[np.ndarray]:
        raise NotImplementedError

    def destination(self, index: int = 0) -> np.ndarray | None:
        """The planned buffer of output `index` while executing in a plan, else None.

        A kernel may write its result straight into it (every element) and return it,
        which spares the allocation and the copy; constant folding has no destination.
        The planner never lets an output share memory with an input of the same step.
        """
        return self._destinations[index] if index < len(self._destinations) else None

    def scratch(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An uninitialized temporary, valid for this step only (never return it as a result
        without copying: the next step reuses its bytes)."""
        pool = getattr(self.workspace, "pool", None)
        return pool.take(shape, dtype) if pool is not None else np.empty(shape, dtype)

    def ufunc_into(self, fn: np.ufunc, *args: np.ndarray) -> np.ndarray:
        """fn(*args), computed into output 0's buffer when its dtype and shape fit."""
        dst = self.destination()
        if dst is None or any(getattr(a, "dtype", None) != dst.dtype for a in args):
            return fn(*args)
        shapes = [np.shape(a) for a in args]
        if all(sh == dst.shape for sh in shapes) or np.broadcast_shapes(*shapes) == dst.shape:
            return fn(*args, out=dst)
        return fn(*args)

    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        self._destinations = tuple(t.handle if t is not None else None for t in outputs)
        pool = getattr(self.workspace, "pool", None)
        if pool is not None:
            pool.begin_step()
        try:
            results = self.compute(*[t.handle if t is not None else None for t in inputs])
        except GpuInferError:
            raise
        except MemoryError as exc:
            raise DeviceError(f"{self.node.describe()}: host memory ran out for its temporaries") from exc
        except Exception as exc:   # noqa: BLE001  (a kernel's own exception: name the node)
            raise ExecutionError(f"{self.node.describe()} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            self._destinations = ()
        if isinstance(results, np.ndarray) or np.isscalar(results):
            results = (results,)
        for tensor, value in zip(outputs, results):
            if tensor is None or value is tensor.handle:
                continue
            value = np.asarray(value)
            if value.shape != tuple(tensor.shape):
                raise ExecutionError(f"{self.node.describe()}: computed {tensor.name} with shape "
                                     f"{value.shape}, planned {tuple(tensor.shape)}")
            np.copyto(tensor.handle, value, casting="unsafe")
