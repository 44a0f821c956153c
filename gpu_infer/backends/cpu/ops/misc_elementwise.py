"""Identity and inference-mode Dropout: pass-through ops."""
from __future__ import annotations

import numpy as np

from ....errors import UnsupportedOpError
from ..registry import NumpyExecution, register


@register("Identity")
class Identity(NumpyExecution):
    is_view = True          # the planner aliases the input (backends/views.py)

    def compute(self, x: np.ndarray) -> np.ndarray:
        return x


@register("Dropout")
class Dropout(NumpyExecution):
    """Output = input; the optional mask is all ones (bool from opset 10, the data type before).

    An inference engine ignores opset<7's `is_test` (as onnxruntime does); an explicit
    opset>=12 `training_mode` input that is true (or not constant) with a non-zero ratio
    is random, and unsupported.
    """

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        training = inputs[2] if len(inputs) > 2 else None
        if training is None or (training.constant is not None and not np.any(training.constant)):
            return True
        ratio = inputs[1].constant if inputs[1] is not None else None   # absent: 0.5
        return ratio is not None and not np.any(ratio)

    def compute(self, x: np.ndarray, ratio: np.ndarray | None = None,
                training: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if training is not None and bool(training) and (ratio is None or float(ratio) != 0.0):
            raise UnsupportedOpError(f"{self.node.describe()}: training-mode dropout is random")
        mask_type = bool if self.node.opset >= 10 else x.dtype
        return x, np.ones(x.shape, mask_type)
