"""Differential cases of the elementwise family (tests/test_gpu_differential.py): unary ops and Clip,
broadcasting binary ops (every kernel form: same shape, scalar, per-row, per-channel, general), the
variadic Max / Min / Sum / Mean, PRelu, Cast and BatchNormalization; every attribute form and
opset from 6 on, odd sizes, size-0 dims, NaN, infinities, signed zeros, denormals.

Graph inputs are float32 here (Cast also reads integers and booleans), since every GPU backend that
registers these ops runs them; tests/test_cl_elementwise.py adds OpenCL's other element types.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from onnx import TensorProto, helper, numpy_helper

from gpu_differential_cases import SPECIAL, Case, OpCases, node_model, single_node_model, values
from narrow_cast_cases import narrow_cast_cases

Generate = Callable[[np.random.Generator], list[Case]]

# (), size 0, odd sizes through VEC-wide blocks and their remainder, ranks up to 6
SHAPES = [(), (0,), (3, 0, 5), (1, 3, 7, 9), (2, 1, 3, 5, 7), (1, 2, 3, 1, 5, 3), (4099,)]
# wider than 65535 work groups of 64: the Vulkan dispatch spills into its y dimension
LARGE_SHAPE = (2049, 2049)
# (a, b) per kernel form (cl_kernels/binary.cl)
FORMS = [((3, 5), (3, 5)), ((4099,), (4099,)),                      # same shape
         ((7,), ()), ((), (5,)), ((), ()),                           # scalar b, scalar a, both
         ((3, 5), (5,)), ((2, 3, 4, 5), (4, 5)), ((5,), (3, 5)),     # per row (b, b merged, a)
         ((2, 3, 5, 7), (3, 1, 1)), ((1, 3, 1, 1), (2, 3, 5, 7)),    # per channel (b, a)
         ((2, 3, 5), (2, 1, 1)), ((2, 65, 3), (65, 1)),              # a leading block; 65 channels
         ((3, 1), (1, 5)), ((1, 3, 1, 7), (2, 1, 5, 1)),             # general
         ((2, 1, 3, 1, 5), (1, 4, 1, 3, 1)), ((3, 1, 2, 1, 2, 3), (1, 2, 1, 5, 1, 1)),
         ((0,), (1,)), ((3, 0, 5), (1, 1, 5)), ((2, 0), (0,))]      # size 0


def unary(op: str, opset: int = 17, attrs: tuple[dict, ...] = ({},), old: tuple[int, ...] = (6,),
          large: bool = False) -> Generate:
    """Every shape (special values but for one), every special value, each attribute set, older opsets."""
    def generate(rng: np.random.Generator) -> list[Case]:
        cases = [Case(f"{op}{list(s)}", single_node_model(op, {"x": s}, s, opset), {"x": values(rng, s, s != (1, 3, 7, 9))})
                 for s in SHAPES]
        cases.append(Case(f"{op} every special value", single_node_model(op, {"x": SPECIAL.shape}, SPECIAL.shape, opset),
                          {"x": SPECIAL.copy()}))
        for kw in attrs[1:]:
            cases.append(Case(f"{op} {kw}", single_node_model(op, {"x": (3, 37)}, (3, 37), opset, **kw),
                              {"x": values(rng, (3, 37), True)}))
        for version in old:
            cases.append(Case(f"{op} opset {version}", single_node_model(op, {"x": (3, 37)}, (3, 37), version, **attrs[0]),
                              {"x": values(rng, (3, 37), True)}))
        if large:
            cases.append(Case(f"{op}{list(LARGE_SHAPE)}", single_node_model(op, {"x": LARGE_SHAPE}, LARGE_SHAPE, opset),
                              {"x": values(rng, LARGE_SHAPE, False)}))
        return cases
    return generate


def binary(op: str, forms: list[tuple[tuple, tuple]] = FORMS, large: bool = False, legacy: bool = True) -> Generate:
    """Each kernel form with special values, every pair of special values, a constant per-channel
    operand, and the opset-6 ``broadcast``/``axis`` form."""
    def generate(rng: np.random.Generator) -> list[Case]:
        cases = [Case(f"{op}{list(a)},{list(b)}", single_node_model(op, {"a": a, "b": b}, np.broadcast_shapes(a, b)),
                      {"a": values(rng, a, True), "b": values(rng, b, True)}) for a, b in forms]
        n = len(SPECIAL)
        cases.append(Case(f"{op} every pair of special values",
                          single_node_model(op, {"a": (n, 1), "b": (1, n)}, (n, n)),
                          {"a": SPECIAL.reshape(n, 1), "b": SPECIAL.reshape(1, n)}))
        weight = values(rng, (3, 1, 1), True)
        cases.append(Case(f"{op} with a constant per-channel operand",
                          single_node_model(op, {"a": (2, 3, 4, 5), "w": weight.shape}, (2, 3, 4, 5),
                                            initializers={"w": weight}), {"a": values(rng, (2, 3, 4, 5), True)}))
        if legacy:
            cases.append(Case(f"{op} opset 6 broadcast=1 axis=1",       # b aligned at axis 1
                              single_node_model(op, {"a": (2, 3, 4, 5), "b": (3, 4)}, (2, 3, 4, 5), opset=6,
                                                broadcast=1, axis=1),
                              {"a": values(rng, (2, 3, 4, 5), True), "b": values(rng, (3, 4), True)}))
        if large:
            cases.append(Case(f"{op}{list(LARGE_SHAPE)},[1]", single_node_model(op, {"a": LARGE_SHAPE, "b": (1,)},
                                                                                LARGE_SHAPE),
                              {"a": values(rng, LARGE_SHAPE, False), "b": values(rng, (1,), False)}))
        return cases
    return generate


def variadic(op: str) -> Generate:
    """One to four inputs, broadcasting among them, special values, opset 6 (no broadcasting) and 8."""
    shape_sets = [[(3, 5)], [(3, 5), (3, 5)], [(3, 1), (1, 5)], [(2, 3, 5, 7), (3, 1, 1), (7,)],
                  [(4,), (3, 1), (2, 1, 1), (2, 3, 4)], [(0, 3), (3,)]]

    def generate(rng: np.random.Generator) -> list[Case]:
        cases = []
        for shapes in shape_sets:
            out = np.broadcast_shapes(*shapes)
            names = [f"x{k}" for k in range(len(shapes))]
            cases.append(Case(f"{op}{shapes}", single_node_model(op, dict(zip(names, shapes)), out),
                              {n: values(rng, s, True) for n, s in zip(names, shapes)}))
        n = len(SPECIAL)
        cases.append(Case(f"{op} every pair of special values", single_node_model(op, {"a": (n, 1), "b": (1, n)}, (n, n)),
                          {"a": SPECIAL.reshape(n, 1), "b": SPECIAL.reshape(1, n)}))
        for version in (6, 8):
            cases.append(Case(f"{op} opset {version}", single_node_model(op, {"a": (4, 7), "b": (4, 7), "c": (4, 7)},
                                                                         (4, 7), version),
                              {k: values(rng, (4, 7), True) for k in "abc"}))
        return cases
    return generate


def prelu(rng: np.random.Generator) -> list[Case]:
    """Slopes per channel, scalar, per row and full; opset 6's per-channel (C,) slope."""
    cases = []
    for x, slope, opset in [((2, 3, 5, 7), (3, 1, 1), 16), ((2, 3, 5, 7), (1,), 16), ((4, 9), (9,), 9),
                            ((3, 5), (3, 5), 7), ((2, 3, 5, 7), (3,), 6), ((0, 3), (3,), 16)]:
        cases.append(Case(f"PRelu{list(x)},{list(slope)} opset {opset}",
                          single_node_model("PRelu", {"x": x, "s": slope}, x, opset),
                          {"x": values(rng, x, True), "s": values(rng, slope, True)}))
    slope = values(rng, (3, 1, 1), False)
    cases.append(Case("PRelu constant slope", single_node_model("PRelu", {"x": (1, 3, 9, 9), "s": (3, 1, 1)}, (1, 3, 9, 9),
                                                                initializers={"s": slope}),
                      {"x": values(rng, (1, 3, 9, 9), True)}))
    return cases


def _f32(v: float) -> np.ndarray:
    return np.array(v, np.float32)


def clip(rng: np.random.Generator) -> list[Case]:
    """Attributes (opset 6), constant bounds, bounds computed at run time, absent ones, min > max."""
    x = (3, 37)
    cases = [Case(f"Clip opset 6 {kw}", single_node_model("Clip", {"x": x}, x, 6, **kw), {"x": values(rng, x, True)})
             for kw in ({"min": -0.5, "max": 0.75}, {"min": 0.25}, {"max": -1.5}, {})]
    for opset in (11, 13):
        for inits in ({"lo": _f32(-0.5), "hi": _f32(0.75)}, {"lo": _f32(2.0), "hi": _f32(-1.0)}):
            cases.append(Case(f"Clip opset {opset} constant {inits}",
                              node_model("Clip", {"x": values(rng, x, True)}, opset=opset, initializers=inits),
                              {"x": values(rng, x, True)}))
    no_min = helper.make_graph([helper.make_node("Clip", ["x", "", "hi"], ["y"])], "clip",
                               [helper.make_tensor_value_info("x", TensorProto.FLOAT, x)],
                               [helper.make_tensor_value_info("y", TensorProto.FLOAT, x)],
                               [numpy_helper.from_array(_f32(0.5), "hi")])
    cases.append(Case("Clip max only", helper.make_model(no_min, opset_imports=[helper.make_opsetid("", 13)]),
                      {"x": values(rng, x, True)}))
    runtime = {"x": values(rng, (4099,), True), "lo": _f32(-0.25), "hi": _f32(1.5)}
    cases.append(Case("Clip runtime bounds", node_model("Clip", runtime, opset=13), runtime))
    cases.append(Case("Clip runtime min", node_model("Clip", {"x": runtime["x"], "lo": _f32(0.1)}, opset=12),
                      {"x": runtime["x"], "lo": _f32(0.1)}))
    return cases


CAST_TARGETS = ("float16", "float64", "int8", "uint8", "int16", "int32", "int64", "uint64", "bool")


def cast(rng: np.random.Generator) -> list[Case]:
    """float32 to every type (special values where the result is defined everywhere: not to integers,
    where ONNX leaves NaN and out-of-range values to the implementation), every type to float32,
    CastLike, opset 6."""
    cases = []
    for target in CAST_TARGETS:
        to = helper.np_dtype_to_tensor_dtype(np.dtype(target))
        x = values(rng, (5, 67), True) if np.dtype(target).kind in "fb" else \
            np.clip(values(rng, (5, 67), False), 0 if np.dtype(target).kind == "u" else -100, 100)
        cases.append(Case(f"Cast float32->{target}", node_model("Cast", {"x": x}, to=to), {"x": x}))
    for source in ("float16", "int8", "uint8", "int32", "int64", "uint32", "bool"):
        dtype = np.dtype(source)
        with np.errstate(over="ignore"):                 # float16: beyond its range an infinity
            x = (rng.random((4, 33)) < 0.5 if source == "bool" else
                 values(rng, (4, 33), True).astype(np.float16) if source == "float16" else
                 rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (4, 33), dtype=dtype, endpoint=True))
        cases.append(Case(f"Cast {source}->float32", node_model("Cast", {"x": x}, to=1), {"x": x}))
    x = values(rng, (3, 0), False)
    cases.append(Case("Cast size 0", node_model("Cast", {"x": x}, to=7), {"x": x}))
    x = np.clip(values(rng, (2, 9), False), -100, 100)
    cases.append(Case("Cast opset 6", node_model("Cast", {"x": x}, opset=6, to=6), {"x": x}))
    cases.append(Case("CastLike", node_model("CastLike", {"x": x}, initializers={"like": np.zeros(1, np.int16)}),
                      {"x": x}))
    return cases


def batchnorm(rng: np.random.Generator) -> list[Case]:
    """Constant statistics (prepared once) and statistics computed at run time; NCHW, N x C and 3-D
    inputs; epsilon; opsets 6 to 15."""
    def stats(c: int) -> dict[str, np.ndarray]:
        return {"scale": values(rng, (c,), False), "bias": values(rng, (c,), False),
                "mean": values(rng, (c,), False), "var": (rng.random(c) * 4 + 0.01).astype(np.float32)}
    cases = []
    for shape, opset, eps in [((2, 3, 5, 7), 15, 1e-5), ((4, 65), 14, 1e-3), ((1, 3, 9), 9, 1e-5),
                              ((2, 5, 3, 4, 3), 7, 0.1), ((1, 3, 4, 4), 6, 1e-5), ((0, 3, 2), 15, 1e-5)]:
        x = values(rng, shape, shape != (1, 3, 4, 4))
        cases.append(Case(f"BatchNormalization{list(shape)} opset {opset}",
                          node_model("BatchNormalization", {"x": x}, opset=opset, initializers=stats(shape[1]),
                                     epsilon=eps), {"x": x}))
    feeds = {"x": values(rng, (2, 3, 4, 5), True), **stats(3)}
    cases.append(Case("BatchNormalization runtime statistics", node_model("BatchNormalization", feeds, opset=15), feeds))
    feeds = {"x": values(rng, (5, 3), True), **stats(3)}
    cases.append(Case("BatchNormalization runtime statistics, N x C", node_model("BatchNormalization", feeds), feeds))
    return cases


LEAKY = ({}, {"alpha": 0.3}, {"alpha": -2.0})
CASES: dict[str, OpCases] = {
    # max(0, x): onnx's reference and NumPy give +0.0 for -0.0, onnxruntime gives -0.0; the spec is silent
    "Relu": OpCases(unary("Relu", old=(6, 13), large=True), signed_zero=False),
    "LeakyRelu": OpCases(unary("LeakyRelu", attrs=LEAKY, old=(6, 16)), signed_zero=True),
    "Sigmoid": OpCases(unary("Sigmoid"), signed_zero=True),
    "HardSigmoid": OpCases(unary("HardSigmoid", attrs=({}, {"alpha": 0.5, "beta": 0.1}, {"alpha": -1.0, "beta": 2.0}),
                                 old=(6, 22)), signed_zero=False),
    "HardSwish": OpCases(unary("HardSwish", old=(14, 22)), signed_zero=False),
    "Tanh": OpCases(unary("Tanh"), signed_zero=True),
    "Elu": OpCases(unary("Elu", attrs=({}, {"alpha": 0.5}), old=(6, 22)), signed_zero=True),
    # NumPy's sign(-0.0) is +0, so the CPU's Erf(-0) is +0 where the C library's is -0
    "Erf": OpCases(unary("Erf", old=(9, 13)), signed_zero=False),
    "Gelu": OpCases(unary("Gelu", 20, attrs=({}, {"approximate": "tanh"}, {"approximate": "none"}), old=()),
                    signed_zero=False),
    "Softplus": OpCases(unary("Softplus", old=(6, 22)), signed_zero=True),
    **{op: OpCases(unary(op), signed_zero=True) for op in ("Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal")},
    "Clip": OpCases(clip, signed_zero=False),
    "Add": OpCases(binary("Add", large=True), signed_zero=True),
    **{op: OpCases(binary(op), signed_zero=True) for op in ("Sub", "Mul", "Div", "Pow")},
    # which of two equal zeros Max / Min return is open (NumPy: the second, onnxruntime: either)
    "Max": OpCases(variadic("Max"), signed_zero=False),
    "Min": OpCases(variadic("Min"), signed_zero=False),
    "Sum": OpCases(variadic("Sum"), signed_zero=True),
    "Mean": OpCases(variadic("Mean"), signed_zero=True),
    "PRelu": OpCases(prelu, signed_zero=True),
    "Cast": OpCases(lambda rng: cast(rng) + narrow_cast_cases(rng), signed_zero=True),
    "CastLike": OpCases(lambda rng: [c for c in cast(rng) if c.name == "CastLike"], signed_zero=True),
    "BatchNormalization": OpCases(batchnorm, signed_zero=False),
}
