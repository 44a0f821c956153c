"""Differential cases of Dropout (tests/test_gpu_differential.py): inference mode with and without
the mask output (bool from opset 10, the data's type before), an explicit training_mode false with a
ratio, training mode with ratio 0, old opsets; odd sizes, ranks, size 0, special values."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from gpu_differential_cases import Case, OpCases, node_model, values


def float_mask_model(shape: tuple[int, ...], opset: int):
    """Opsets 7 to 9: the mask has the data's type (onnx infers no type for it)."""
    info = [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n in ("x", "y0", "y1")]
    graph = helper.make_graph([helper.make_node("Dropout", ["x"], ["y0", "y1"])], "dropout", info[:1], info[1:])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def dropout(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, outputs, opset in [((3, 37), 1, 13), ((2, 3, 5, 7), 2, 13), ((4099,), 2, 12), ((), 2, 13),
                                  ((3, 0, 5), 2, 13), ((2, 11), 2, 10), ((1, 2, 3, 1, 5, 3), 1, 6)]:
        x = values(rng, shape, True)
        cases.append(Case(f"Dropout{list(shape)} opset {opset}, {outputs} output(s)",
                          node_model("Dropout", {"x": x}, n_outputs=outputs, opset=opset), {"x": x}))
    x = values(rng, (5, 9), True)
    cases.append(Case("Dropout opset 7, mask of the data's type", float_mask_model(x.shape, 7), {"x": x}))
    x = values(rng, (3, 17), True)
    for ratio, training in ((0.3, False), (0.0, True)):
        init = {"ratio": np.array(ratio, np.float32), "training_mode": np.array(training)}
        cases.append(Case(f"Dropout ratio {ratio}, training_mode {training}",
                          node_model("Dropout", {"x": x}, n_outputs=2, opset=13, initializers=init), {"x": x}))
    return cases


CASES = {"Dropout": OpCases(dropout, signed_zero=True)}
