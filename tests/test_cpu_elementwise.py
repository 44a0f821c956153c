"""CPU kernels for element-wise, activation, cast, softmax, reduction and normalization ops.

Single nodes run through ``evaluate_node`` and are compared with onnx's
ReferenceEvaluator (current opsets) or with NumPy written out here (old-opset
semantics the reference does not model, such as the 2-D coercion of Softmax < 13).
"""
from __future__ import annotations

import math
import warnings

import ml_dtypes
import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from gpu_infer.backends.base import Tensor
from gpu_infer.backends.cpu import CPU_REGISTRY, evaluate_node
from gpu_infer.frontend.attributes import node_from_proto

RNG = np.random.default_rng(0)


def _node(op: str, inputs: list, n_out: int = 1, **attrs) -> onnx.NodeProto:
    """A node reading x0, x1, ...; None in `inputs` is an absent optional input."""
    names = [f"x{i}" if v is not None else "" for i, v in enumerate(inputs)]
    return helper.make_node(op, names, [f"y{i}" for i in range(n_out)], **attrs)


def run(op: str, inputs: list, opset: int = 22, n_out: int = 1, **attrs) -> list[np.ndarray]:
    """Run one node on the CPU kernels."""
    return evaluate_node(node_from_proto(_node(op, inputs, n_out, **attrs), {"": opset}), inputs)


def reference(op: str, inputs: list, opset: int = 22, n_out: int = 1, **attrs) -> list[np.ndarray]:
    proto = _node(op, inputs, n_out, **attrs)
    feeds = {f"x{i}": v for i, v in enumerate(inputs) if v is not None}
    graph = helper.make_graph(
        [proto], "g",
        [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for k, v in feeds.items()],
        [onnx.ValueInfoProto(name=o) for o in proto.output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ReferenceEvaluator(model).run(None, feeds)


def assert_same(got: np.ndarray, want: np.ndarray, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def check_against_reference(op: str, inputs: list, opset: int = 22, n_out: int = 1, **kw) -> None:
    for got, want in zip(run(op, inputs, opset, n_out, **kw), reference(op, inputs, opset, n_out, **kw)):
        assert_same(got, want)


X = RNG.uniform(-3, 3, (2, 3, 4)).astype(np.float32)
UNIT = RNG.uniform(-0.95, 0.95, (2, 3, 4)).astype(np.float32)

FLOAT_UNARY = {
    "Exp": X, "Abs": X, "Neg": X, "Floor": X, "Ceil": X, "Round": X * 3, "Sign": X, "Sin": X, "Cos": X,
    "Tan": UNIT, "Asin": UNIT, "Acos": UNIT, "Atan": X, "Sinh": X, "Cosh": X, "Asinh": X,
    "Acosh": np.abs(X) + 1, "Atanh": UNIT, "Erf": X, "Sqrt": np.abs(X), "Log": np.abs(X) + 0.1,
    "Reciprocal": X + 7, "Relu": X, "Sigmoid": X * 20, "Tanh": X, "Softplus": X * 20,
    "Softsign": X, "Mish": X, "HardSwish": X * 3,
}


@pytest.mark.parametrize("op", sorted(FLOAT_UNARY))
def test_unary_and_activation_float32_match_reference(op):
    check_against_reference(op, [FLOAT_UNARY[op]])


@pytest.mark.parametrize("op,attrs", [
    ("LeakyRelu", {"alpha": 0.3}), ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("Elu", {"alpha": 0.7}),
    ("Selu", {}), ("Selu", {"alpha": 2.0, "gamma": 3.0}), ("Celu", {"alpha": 1.5}),
    ("ThresholdedRelu", {"alpha": 0.5}), ("Shrink", {"lambd": 1.0, "bias": 0.5}),
    ("Gelu", {}), ("Gelu", {"approximate": "tanh"}),
])
def test_parametrised_activations_match_reference(op, attrs):
    check_against_reference(op, [X], **attrs)


def test_activations_keep_float16_and_float64():
    for dtype in (np.float16, np.float64):
        for op in ("Sigmoid", "Gelu", "Elu", "LeakyRelu", "Erf", "Sqrt", "Softplus"):
            assert run(op, [np.abs(X).astype(dtype)])[0].dtype == dtype, op


def test_relu_and_abs_on_integers_stay_integer():
    x = np.array([-5, 0, 7], np.int8)
    assert_same(run("Relu", [x])[0], np.array([0, 0, 7], np.int8))
    assert_same(run("Abs", [x])[0], np.array([5, 0, 7], np.int8))
    assert_same(run("Sign", [x])[0], np.array([-1, 0, 1], np.int8))


def test_erf_is_accurate_in_float64():
    x = np.linspace(-7, 7, 2001)
    want = np.array([math.erf(v) for v in x])
    got = run("Erf", [x])[0]
    assert got.dtype == np.float64 and np.max(np.abs(got - want)) < 1e-13
    special = run("Erf", [np.array([np.inf, -np.inf, np.nan, 0.0], np.float32)])[0]
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2]) and special[3] == 0


def test_isnan_isinf_not():
    x = np.array([1.0, np.nan, np.inf, -np.inf], np.float32)
    assert_same(run("IsNaN", [x])[0], np.array([False, True, False, False]))
    assert_same(run("IsInf", [x])[0], np.array([False, False, True, True]))
    assert_same(run("IsInf", [x], detect_negative=0)[0], np.array([False, False, True, False]))
    assert_same(run("IsInf", [x], detect_positive=0)[0], np.array([False, False, False, True]))
    assert_same(run("Not", [np.array([True, False])])[0], np.array([False, True]))


def test_prelu_broadcasts_slope():
    slope = np.array([0.1, 0.2, 0.3], np.float32).reshape(3, 1)
    check_against_reference("PRelu", [X, slope])
    assert_same(run("PRelu", [X.reshape(1, 2, 3, 4), np.array([0.5, 2.0], np.float32)], opset=6)[0],
                np.where(X > 0, X, X * np.array([0.5, 2.0], np.float32).reshape(2, 1, 1))[None])


def test_clip_attribute_and_input_forms():
    assert_same(run("Clip", [X], opset=6, min=-1.0, max=0.5)[0], np.clip(X, -1, 0.5))
    assert_same(run("Clip", [X], opset=6)[0], X)
    lo, hi = np.array(-1, np.float32), np.array(0.5, np.float32)
    assert_same(run("Clip", [X, lo, hi], opset=13)[0], np.clip(X, -1, 0.5))
    assert_same(run("Clip", [X, None, hi], opset=13)[0], np.minimum(X, 0.5))
    ints = np.arange(-5, 6, dtype=np.int32)
    assert_same(run("Clip", [ints, np.array(-2, np.int32)], opset=13)[0], np.maximum(ints, -2))
    # min > max: every value becomes max
    assert_same(run("Clip", [X, np.array(2, np.float32), np.array(1, np.float32)])[0], np.ones_like(X))


def test_integer_div_truncates_toward_zero():
    a = np.array([7, -7, 7, -7, 6], np.int32)
    b = np.array([2, 2, -2, -2, 3], np.int32)
    assert_same(run("Div", [a, b])[0], np.array([3, -3, -3, 3, 2], np.int32))
    assert_same(run("Div", [np.array([7], np.uint8), np.array([2], np.uint8)])[0], np.array([3], np.uint8))


def test_mod_and_pow_types():
    a, b = np.array([-7, 7, 5], np.int64), np.array([3, -3, 5], np.int64)
    assert_same(run("Mod", [a, b])[0], np.array([2, -2, 0], np.int64))
    assert_same(run("Mod", [a, b], fmod=1)[0], np.array([-1, 1, 0], np.int64))
    check_against_reference("Mod", [X, np.float32(1.3) + 0 * X], fmod=1)
    base = np.array([1.5, 2.0, 3.0], np.float32)
    assert_same(run("Pow", [base, np.array([2, 3, 0], np.int64)])[0], np.array([2.25, 8, 1], np.float32))
    assert_same(run("Pow", [np.array([2, 3], np.int32), np.array([2.0, 0.5], np.float32)])[0],
                np.array([4, 1], np.int32))


def test_bitshift_and_variadic():
    x = np.array([16, 4, 1], np.uint8)
    s = np.array([1, 2, 3], np.uint8)
    assert_same(run("BitShift", [x, s], direction="LEFT")[0], np.array([32, 16, 8], np.uint8))
    assert_same(run("BitShift", [x, s], direction="RIGHT")[0], np.array([8, 1, 0], np.uint8))
    a, b, c = X, X[:1], X[..., :1]
    for op in ("Max", "Min", "Sum", "Mean"):
        check_against_reference(op, [a, b, c])
    ints = [np.array([1, 5], np.int32), np.array([3, 2], np.int32)]
    assert_same(run("Max", ints)[0], np.array([3, 5], np.int32))


@pytest.mark.parametrize("op,fn", [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply),
                                   ("Div", np.divide), ("Equal", np.equal), ("Less", np.less)])
def test_legacy_axis_broadcast(op, fn):
    a = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    b = RNG.standard_normal((3, 4)).astype(np.float32) + 5
    got = run(op, [a, b], opset=6, broadcast=1, axis=1)[0]
    assert_same(got, fn(a, b.reshape(1, 3, 4, 1)))
    tail = RNG.standard_normal((5,)).astype(np.float32) + 5        # no axis: trailing alignment
    assert_same(run(op, [a, tail], opset=6, broadcast=1)[0], fn(a, tail))


BINARY_FUNCS = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Max": np.maximum, "Min": np.minimum,
                "Greater": np.greater, "LessOrEqual": np.less_equal, "Equal": np.equal}


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4),
       op=st.sampled_from(sorted(BINARY_FUNCS)), dtype=st.sampled_from([np.float32, np.int32]),
       data=st.data())
def test_binary_broadcasting_property(shapes, op, dtype, data):
    elems = st.integers(-50, 50)
    a = data.draw(hnp.arrays(dtype, shapes.input_shapes[0], elements=elems))
    b = data.draw(hnp.arrays(dtype, shapes.input_shapes[1], elements=elems))
    got = run(op, [a, b], opset=14)[0]
    want = np.asarray(BINARY_FUNCS[op](a, b))
    assert got.shape == shapes.result_shape
    assert got.dtype == (np.dtype(bool) if want.dtype == bool else np.dtype(dtype))
    np.testing.assert_array_equal(got, want)


@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), data=st.data())
def test_where_and_logic_broadcast_property(shapes, data):
    c, p, q = (data.draw(hnp.arrays(np.bool_, s)) for s in shapes.input_shapes)
    assert_same(run("Where", [c, p.astype(np.int64), q.astype(np.int64) * 3])[0],
                np.where(c, p.astype(np.int64), q.astype(np.int64) * 3))
    for op, fn in (("And", np.logical_and), ("Or", np.logical_or), ("Xor", np.logical_xor)):
        assert_same(run(op, [c, p])[0], fn(c, p))


def test_cast_numeric_string_and_small_floats():
    x = np.array([1.5, -2.7, 300.0, np.nan], np.float32)
    assert_same(run("Cast", [x[:3]], to=TensorProto.INT32)[0], np.array([1, -2, 300], np.int32))
    assert_same(run("Cast", [x], to=TensorProto.DOUBLE)[0], x.astype(np.float64))
    strings = run("Cast", [x[:3]], to=TensorProto.STRING)[0]
    assert strings.dtype == object and list(strings) == ["1.5", "-2.7", "300.0"]
    back = run("Cast", [np.array(["1.5", "-inf", "NaN"], dtype=object)], to=TensorProto.FLOAT)[0]
    assert back.dtype == np.float32 and back[0] == 1.5 and back[1] == -np.inf and np.isnan(back[2])
    e4 = run("Cast", [np.array([1000.0, -np.inf, 0.3], np.float32)], to=TensorProto.FLOAT8E4M3FN)[0]
    assert e4.dtype == ml_dtypes.float8_e4m3fn and list(e4.astype(np.float32)[:2]) == [448.0, -448.0]
    raw = run("Cast", [np.array([1000.0], np.float32)], to=TensorProto.FLOAT8E4M3FN, saturate=0)[0]
    assert np.isnan(raw.astype(np.float32)[0])
    bf = run("Cast", [np.array([1.0, 3.14159], np.float32)], to=TensorProto.BFLOAT16)[0]
    assert bf.dtype == ml_dtypes.bfloat16 and abs(float(bf[1]) - 3.140625) < 1e-6
    assert_same(run("CastLike", [x[:2], np.zeros(1, np.float16)])[0], x[:2].astype(np.float16))


@pytest.mark.parametrize("mode", ["up", "down", "nearest"])
def test_cast_e8m0_matches_reference(mode):
    x = np.array([0, 1.0, 1.1, 1.5, 3, -2.5, 1e-40, 3e38, np.inf, np.nan, 0.75], np.float32)
    got = run("Cast", [x], opset=24, to=TensorProto.FLOAT8E8M0, round_mode=mode)[0]
    want = reference("Cast", [x], opset=24, to=TensorProto.FLOAT8E8M0, round_mode=mode)[0]
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


def test_identity_and_dropout_inference():
    assert run("Identity", [X])[0] is X
    y, mask = run("Dropout", [X], opset=7, n_out=2, ratio=0.3)
    assert_same(y, X)
    assert mask.dtype == np.float32 and mask.all()         # mask has the data type before opset 10
    y, mask = run("Dropout", [X, np.array(0.5, np.float32), np.array(False)], opset=13, n_out=2)
    assert_same(y, X)
    assert mask.dtype == bool and mask.all()
    dropout = CPU_REGISTRY.get("Dropout")
    node = node_from_proto(_node("Dropout", [X, 0.5, True], 2), {"": 13})
    const = lambda v: Tensor("t", np.shape(v), np.asarray(v).dtype, constant=np.asarray(v))  # noqa: E731
    assert not dropout.supports(node, [const(X), const(np.float32(0.5)), const(True)], [None, None])
    assert dropout.supports(node, [const(X), const(np.float32(0.0)), const(True)], [None, None])
    assert dropout.supports(node, [const(X), None, const(False)], [None, None])
    old = node_from_proto(_node("Dropout", [X], 2), {"": 6})       # is_test=0 is ignored
    assert dropout.supports(old, [const(X)], [None, None])


def _softmax_rows(f: np.ndarray) -> np.ndarray:
    e = np.exp(f - f.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def _coerced(fn, x: np.ndarray, axis: int) -> np.ndarray:
    flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
    return fn(flat).reshape(x.shape)


def test_softmax_family_old_and_new_opsets():
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32) * 5
    for axis in (0, 1, 2, -1):
        want = _coerced(_softmax_rows, x, axis % 3)
        assert_same(run("Softmax", [x], opset=11, axis=axis)[0], want)
        assert_same(run("LogSoftmax", [x], opset=11, axis=axis)[0], np.log(want), atol=1e-5)
        hard = _coerced(lambda f: np.eye(f.shape[1], dtype=np.float32)[f.argmax(1)], x, axis % 3)
        assert_same(run("Hardmax", [x], opset=11, axis=axis)[0], hard)
        for op in ("Softmax", "LogSoftmax", "Hardmax"):
            check_against_reference(op, [x], opset=13, axis=axis)
    assert_same(run("Softmax", [x], opset=9)[0], _coerced(_softmax_rows, x, 1))           # default axis 1
    assert_same(run("Softmax", [x], opset=13)[0], reference("Softmax", [x], opset=13)[0])
    ties = np.array([[1, 3, 3]], np.float32)
    assert_same(run("Hardmax", [ties])[0], np.array([[0, 1, 0]], np.float32))


REDUCE_OPS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]


@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reductions_attribute_and_input_axes_agree(op):
    x = RNG.uniform(0.5, 2, (3, 4, 5)).astype(np.float32)
    new = 13 if op == "ReduceSum" else 18
    for axes, keepdims in (([1], 1), ([0, -1], 0), (None, 1)):
        old = run(op, [x], opset=new - 1, keepdims=keepdims, **({"axes": axes} if axes else {}))[0]
        ax = None if axes is None else np.array(axes, np.int64)
        got = run(op, [x, ax], opset=new, keepdims=keepdims)[0]
        assert_same(got, old)
        assert_same(got, reference(op, [x, ax], opset=new, keepdims=keepdims)[0], rtol=1e-5)
    empty = np.zeros(0, np.int64)
    assert_same(run(op, [x, empty], opset=new, noop_with_empty_axes=1)[0], x)


def test_reduction_empty_sets_and_integer_dtypes():
    e = np.zeros((2, 0, 3), np.float32)
    axes = np.array([1], np.int64)
    want = {"ReduceSum": 0, "ReduceProd": 1, "ReduceMax": -np.inf, "ReduceMin": np.inf,
            "ReduceLogSum": -np.inf, "ReduceLogSumExp": -np.inf, "ReduceL2": 0, "ReduceSumSquare": 0}
    for op, value in want.items():
        assert_same(run(op, [e, axes], opset=18)[0], np.full((2, 1, 3), value, np.float32))
    ints = np.array([[1, 2], [3, 4]], np.int32)
    assert_same(run("ReduceSum", [ints, axes], opset=13)[0], np.array([[3], [7]], np.int32))
    assert_same(run("ReduceMax", [np.zeros((0, 2), np.int32), np.array([0], np.int64)], opset=18)[0],
                np.full((1, 2), np.iinfo(np.int32).min, np.int32))
    assert_same(run("ReduceLogSumExp", [np.full((2, 2), -np.inf, np.float32)], opset=18, keepdims=0)[0],
                np.array(-np.inf, np.float32))


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
                    elements=st.floats(-10, 10, width=32)),
       op=st.sampled_from(["ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean", "ReduceSumSquare"]),
       keepdims=st.booleans(), data=st.data())
def test_reduction_property(x, op, keepdims, data):
    axes = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=x.ndim,
                              unique_by=lambda a: a % x.ndim))
    fns = {"ReduceSum": np.sum, "ReduceMax": np.max, "ReduceMin": np.min, "ReduceMean": np.mean,
           "ReduceSumSquare": lambda v, **k: np.sum(v * v, **k)}
    want = fns[op](x.astype(np.float64), axis=tuple(axes), keepdims=keepdims)
    got = run(op, [x, np.array(axes, np.int64)], opset=18, keepdims=int(keepdims))[0]
    assert got.dtype == np.float32 and got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


def test_argmax_argmin():
    x = np.array([[1, 5, 5, 0], [7, 7, 2, 2]], np.int32)
    assert_same(run("ArgMax", [x], axis=1)[0], np.array([[1], [0]], np.int64))
    assert_same(run("ArgMax", [x], axis=1, select_last_index=1, keepdims=0)[0], np.array([2, 1], np.int64))
    assert_same(run("ArgMin", [x], axis=-1, select_last_index=1)[0], np.array([[3], [3]], np.int64))
    assert_same(run("ArgMin", [x])[0], np.array([[0, 0, 1, 0]], np.int64))


def test_batch_normalization_forms():
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    scale, bias = RNG.uniform(0.5, 2, 3).astype(np.float32), RNG.standard_normal(3).astype(np.float32)
    mean, var = RNG.standard_normal(3).astype(np.float32), RNG.uniform(0.5, 2, 3).astype(np.float32)
    check_against_reference("BatchNormalization", [x, scale, bias, mean, var], opset=15, epsilon=1e-3)
    check_against_reference("BatchNormalization", [x, scale, bias, mean, var], opset=15, n_out=3,
                            training_mode=1, momentum=0.8)
    # opset 6, spatial=0: parameters per activation (C, H, W)
    p = [RNG.uniform(0.5, 2, (3, 4, 5)).astype(np.float32) for _ in range(4)]
    got = run("BatchNormalization", [x, *p], opset=6, spatial=0, is_test=1)[0]
    assert_same(got, (x - p[2]) / np.sqrt(p[3] + np.float32(1e-5)) * p[0] + p[1])
    bn = CPU_REGISTRY.get("BatchNormalization")
    t = Tensor("t", (1,), np.dtype(np.float32))
    node = node_from_proto(_node("BatchNormalization", [x] * 5, 3), {"": 9})
    assert not bn.supports(node, [t] * 5, [t] * 3)       # opset < 14 training statistics


def test_layer_instance_lp_mvn_normalization():
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    for axis in (-1, 1, 2):
        shape = x.shape[axis:]
        scale, bias = RNG.standard_normal((2,) + shape).astype(np.float32)
        check_against_reference("LayerNormalization", [x, scale, bias], opset=17, n_out=3, axis=axis,
                                epsilon=1e-3)
    check_against_reference("LayerNormalization", [x, np.ones(5, np.float32)], opset=17)
    check_against_reference("InstanceNormalization", [x, np.arange(3, dtype=np.float32), np.ones(3, np.float32)])
    check_against_reference("LpNormalization", [x], opset=1, p=2, axis=-1)
    # onnx's reference forgets |x| for p=1; the L1 norm is a sum of absolute values
    assert_same(run("LpNormalization", [x], p=1, axis=1)[0], x / np.abs(x).sum(1, keepdims=True))
    zeros = run("LpNormalization", [np.zeros((2, 3), np.float32)])[0]
    assert_same(zeros, np.zeros((2, 3), np.float32))
    check_against_reference("MeanVarianceNormalization", [x], opset=13)
    check_against_reference("MeanVarianceNormalization", [x], opset=13, axes=[1, 3])
