"""Case generators for the GPU-vs-CPU differential test (tests/test_gpu_differential.py).

``CASES`` maps an op type to the models and feeds that exercise it: odd sizes (not multiples
of 4 or 64), ranks 0 to 6, size-0 dims, broadcasting, and special values (NaN, +-Inf, -0.0,
huge, tiny and denormal numbers). Every op a GPU backend registers needs an entry here; the
test fails until it has one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# NaN, infinities, signed zeros, float32 extremes, float32 denormals, float16 limits, plain numbers
SPECIAL = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 3.0e38, -3.0e38, 1.0e-40, -1.4e-45, 1.2e-38,
                    65504.0, -70000.0, 6.0e-8, 1.0, -1.0, 0.5], np.float32)

UNARY_SHAPES = [(), (1,), (7,), (0,), (3, 5), (3, 0, 5), (2, 3, 5), (1, 3, 7, 9), (2, 1, 3, 5, 7),
                (1, 2, 3, 1, 5, 3), (65, 3), (4099,)]
# (a, b): right-aligned NumPy broadcasting, ranks 0 to 6, size-0 dims
BINARY_SHAPES = [((), ()), ((7,), ()), ((), (5,)), ((3, 5), (5,)), ((3, 1), (1, 5)), ((2, 3, 5), (3, 1)),
                 ((1, 3, 1, 7), (2, 1, 5, 1)), ((2, 1, 3, 1, 5), (1, 4, 1, 3, 1)),
                 ((3, 1, 2, 1, 2, 3), (1, 2, 1, 5, 1, 1)), ((0,), (1,)), ((3, 0, 5), (1, 1, 5)), ((2, 0), (0,)),
                 ((65, 3), (65, 1)), ((1,), (4099,))]
# wider than 65535 work groups of 64: the Vulkan dispatch spills into its y dimension
LARGE_SHAPE = (2049, 2049)


@dataclass
class Case:
    name: str
    model: onnx.ModelProto
    feeds: dict[str, np.ndarray]


@dataclass(frozen=True)
class OpCases:
    generate: Callable[[np.random.Generator], list[Case]]
    signed_zero: bool          # the spec fixes the sign of a zero result (IEEE arithmetic), so it must match


def values(rng: np.random.Generator, shape: tuple[int, ...], special: bool) -> np.ndarray:
    """Normal numbers over several magnitudes; with `special`, about one element in five from SPECIAL."""
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)
    if special:
        picks = rng.random(shape) < 0.2
        x = np.where(picks, rng.choice(SPECIAL, shape), x)
    return np.asarray(x, np.float32)


def single_node_model(op: str, input_shapes: dict[str, tuple[int, ...]], out_shape: tuple[int, ...],
                      opset: int = 17, initializers: dict[str, np.ndarray] | None = None,
                      **attrs) -> onnx.ModelProto:
    """One `op` node over float32 graph inputs (those not given as initializers) into output y."""
    initializers = initializers or {}
    graph = helper.make_graph(
        [helper.make_node(op, list(input_shapes), ["y"], **attrs)], f"{op.lower()}_case",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in input_shapes.items()
         if n not in initializers],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, n) for n, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def unary_cases(op: str, opsets: tuple[int, ...] = (17,)) -> Callable[[np.random.Generator], list[Case]]:
    def generate(rng: np.random.Generator) -> list[Case]:
        cases = []
        for shape in UNARY_SHAPES:
            for special in (False, True):
                cases.append(Case(f"{op}{list(shape)}{' special' if special else ''}",
                                  single_node_model(op, {"x": shape}, shape), {"x": values(rng, shape, special)}))
        cases.append(Case(f"{op} every special value", single_node_model(op, {"x": SPECIAL.shape}, SPECIAL.shape),
                          {"x": SPECIAL.copy()}))
        cases.append(Case(f"{op}{list(LARGE_SHAPE)}", single_node_model(op, {"x": LARGE_SHAPE}, LARGE_SHAPE),
                          {"x": values(rng, LARGE_SHAPE, False)}))
        for opset in opsets:
            if opset != 17:
                cases.append(Case(f"{op} opset {opset}", single_node_model(op, {"x": (3, 5)}, (3, 5), opset),
                                  {"x": values(rng, (3, 5), True)}))
        return cases
    return generate


def binary_cases(op: str) -> Callable[[np.random.Generator], list[Case]]:
    def generate(rng: np.random.Generator) -> list[Case]:
        cases = []
        for a_shape, b_shape in BINARY_SHAPES:
            out = np.broadcast_shapes(a_shape, b_shape)
            for special in (False, True):
                cases.append(Case(f"{op}{list(a_shape)},{list(b_shape)}{' special' if special else ''}",
                                  single_node_model(op, {"a": a_shape, "b": b_shape}, out),
                                  {"a": values(rng, a_shape, special), "b": values(rng, b_shape, special)}))
        n = len(SPECIAL)       # every pair of special values, through broadcasting
        cases.append(Case(f"{op} every pair of special values",
                          single_node_model(op, {"a": (n, 1), "b": (1, n)}, (n, n)),
                          {"a": SPECIAL.reshape(n, 1), "b": SPECIAL.reshape(1, n)}))
        cases.append(Case(f"{op}{list(LARGE_SHAPE)},[1]", single_node_model(op, {"a": LARGE_SHAPE, "b": (1,)},
                                                                            LARGE_SHAPE),
                          {"a": values(rng, LARGE_SHAPE, False), "b": values(rng, (1,), False)}))
        weight = values(rng, (3, 1, 5), True)
        cases.append(Case(f"{op} with a constant operand",
                          single_node_model(op, {"a": (2, 3, 4, 5), "w": weight.shape}, (2, 3, 4, 5),
                                            initializers={"w": weight}),
                          {"a": values(rng, (2, 3, 4, 5), True)}))
        cases.append(Case(f"{op} opset 6 broadcast=1 axis=1",       # legacy broadcasting: b aligned at axis 1
                          single_node_model(op, {"a": (2, 3, 4, 5), "b": (3, 4)}, (2, 3, 4, 5), opset=6,
                                            broadcast=1, axis=1),
                          {"a": values(rng, (2, 3, 4, 5), True), "b": values(rng, (3, 4), True)}))
        return cases
    return generate


CASES: dict[str, OpCases] = {
    # max(0, x): onnx's reference and NumPy give +0.0 for -0.0, onnxruntime gives -0.0; the spec is silent
    "Relu": OpCases(unary_cases("Relu", opsets=(6, 13, 14)), signed_zero=False),
    "Add": OpCases(binary_cases("Add"), signed_zero=True),
}
