"""Differential cases of the GEMM and convolution family: Gemm, MatMul, Conv, ConvTranspose.

Sizes are odd (tails of every tile, rows not multiples of the tiles' 4, 6 or 8), batches and
groups above 1, every attribute form and opset, zero-size dimensions, runtime and constant
weights, every fused activation (a producer followed by the activation: the optimizer fuses
them), and each convolution scheme the cost model picks here (direct over planes, pointwise,
depthwise, Winograd). Special values go through products of few terms (a sum of huge finite
terms overflows or not depending on the order of the additions, so the data's specials are
NaN, infinities, zeros, denormals and ordinary numbers); Winograd sees finite data only (its
transforms turn one infinity into NaN over a tile, see conv_winograd.py).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from gpu_differential_cases import Case, OpCases, node_model

# SPECIAL without the huge finite values (order-dependent overflow in sums)
PRODUCT_SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0e-40, -1.4e-45, 1.2e-38, 6.0e-8, 1.0, -1.0,
                            0.5, 2.0, -3.0], np.float32)
ACTIVATIONS = [("Relu", {}, {}), ("LeakyRelu", {"alpha": 0.3}, {}), ("Sigmoid", {}, {}),
               ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}, {}), ("HardSwish", {}, {}),
               ("Clip", {}, {"lo": np.array(-0.5, np.float32), "hi": np.array(0.75, np.float32)})]


def data(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Ordinary numbers of moderate magnitude (sums of many of them stay well conditioned)."""
    return rng.standard_normal(shape).astype(np.float32)


def weights(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Ordinary numbers scaled by 1/sqrt(fan-in), as trained weights are: outputs of order 1, so
    a fused activation's output keeps the error scale of its input."""
    return (data(rng, *shape) / np.sqrt(max(np.prod(shape[1:]), 1))).astype(np.float32)


def specials(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """About one element in four from PRODUCT_SPECIAL, the rest ordinary numbers."""
    x = data(rng, *shape)
    return np.where(rng.random(shape) < 0.25, rng.choice(PRODUCT_SPECIAL, shape), x).astype(np.float32)


def case(op: str, label: str, feeds: dict, initializers: dict | None = None, opset: int = 17, **attrs) -> Case:
    shapes = ",".join(str(list(v.shape)) for v in feeds.values())
    return Case(f"{op}({shapes}) {label}", node_model(op, feeds, initializers=initializers, opset=opset, **attrs),
                feeds)


def activated(op: str, label: str, feeds: dict, initializers: dict, act: tuple, **attrs) -> Case:
    """`op` followed by an activation (fused by the optimizer into the producer's epilogue)."""
    act_op, act_attrs, act_inits = act
    producer = helper.make_node(op, list(feeds) + list(initializers), ["t"], **attrs)
    consumer = helper.make_node(act_op, ["t"] + list(act_inits), ["y"], **act_attrs)
    graph = helper.make_graph(
        [producer, consumer], f"{op.lower()}_{act_op.lower()}",
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, v.shape) for n, v in feeds.items()],
        [helper.make_tensor_value_info("y", onnx.TensorProto.UNDEFINED, None)],
        [onnx.numpy_helper.from_array(v, n) for n, v in {**initializers, **act_inits}.items()])
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                                              strict_mode=True)
    return Case(f"{op}+{act_op} {label}", model, feeds)


# -- Gemm --------------------------------------------------------------------------------------
def gemm_cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for m, k, n in [(1, 1, 1), (3, 5, 7), (17, 33, 65), (64, 7, 130), (7, 200, 9)]:
        for ta in (0, 1):
            for tb in (0, 1):
                a = data(rng, *((k, m) if ta else (m, k)))
                b = data(rng, *((n, k) if tb else (k, n)))
                out.append(case("Gemm", f"transA={ta} transB={tb}", {"a": a, "b": b, "c": data(rng, n)},
                                transA=ta, transB=tb, alpha=0.75, beta=-1.5))
    m, k, n = 9, 11, 21
    for c_shape in [(), (1,), (n,), (1, n), (m, 1), (m, n), (1, 1)]:
        out.append(case("Gemm", f"C{list(c_shape)}", {"a": data(rng, m, k), "b": data(rng, k, n)},
                        {"c": data(rng, *c_shape)}))
    out.append(case("Gemm", "constant A and transposed B", {"c": data(rng, m, n)},
                    {"a": data(rng, k, m), "b": data(rng, n, k)}, transA=1, transB=1))
    out.append(case("Gemm", "no C (opset 11)", {"a": data(rng, m, k)}, {"b": data(rng, k, n)}, opset=11))
    out.append(case("Gemm", "beta=0 ignores C", {"a": data(rng, m, k), "b": data(rng, k, n),
                                                 "c": np.full((m, n), np.nan, np.float32)}, beta=0.0))
    out.append(case("Gemm", "opset 6 broadcast=1", {"a": data(rng, m, k), "b": data(rng, k, n), "c": data(rng, n)},
                    opset=6, broadcast=1))
    out.append(case("Gemm", "opset 9", {"a": data(rng, m, k), "b": data(rng, k, n), "c": data(rng, m, n)}, opset=9))
    out.append(case("Gemm", "K=0", {"a": data(rng, 3, 0), "b": data(rng, 0, 5), "c": data(rng, 5)}))
    out.append(case("Gemm", "M=0", {"a": data(rng, 0, 4), "b": data(rng, 4, 5)}, opset=11))
    out.append(case("Gemm", "special values", {"a": specials(rng, 13, 2), "b": specials(rng, 2, 19),
                                               "c": specials(rng, 19)}))
    for act in ACTIVATIONS:
        out.append(activated("Gemm", "fused", {"a": data(rng, 5, 6)}, {"b": data(rng, 6, 17), "c": data(rng, 17)},
                             act))
    return out


# -- MatMul ------------------------------------------------------------------------------------
def matmul_cases(rng: np.random.Generator) -> list[Case]:
    pairs = [((7,), (7,)), ((7,), (7, 5)), ((5, 7), (7,)), ((7,), (2, 7, 5)), ((2, 3, 7), (7,)),
             ((5, 7), (7, 33)), ((33, 65), (65, 17)), ((2, 3, 5, 7), (7, 9)), ((2, 3, 5, 7), (3, 7, 9)),
             ((2, 1, 5, 7), (1, 4, 7, 9)), ((5, 7), (2, 3, 7, 9)), ((1, 2, 1, 3, 5, 7), (2, 1, 4, 1, 7, 3)),
             ((0, 5), (5, 3)), ((3, 0), (0, 4)), ((2, 0, 5, 7), (7, 3)), ((4, 3), (3, 0))]
    out = [case("MatMul", "", {"a": data(rng, *a), "b": data(rng, *b)}) for a, b in pairs]
    out.append(case("MatMul", "constant B", {"a": data(rng, 2, 13, 40)}, {"w": data(rng, 40, 24)}))
    b = data(rng, 3, 6, 10)
    constant_a = helper.make_graph([helper.make_node("MatMul", ["w", "b"], ["y"])], "matmul_constant_a",
                                   [helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, b.shape)],
                                   [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, (3, 5, 10))],
                                   [onnx.numpy_helper.from_array(data(rng, 3, 5, 6), "w")])
    out.append(Case("MatMul constant A", helper.make_model(constant_a, opset_imports=[helper.make_opsetid("", 17)]),
                    {"b": b}))
    out.append(case("MatMul", "opset 1", {"a": data(rng, 4, 6), "b": data(rng, 6, 3)}, opset=1))
    out.append(case("MatMul", "opset 9", {"a": data(rng, 4, 6), "b": data(rng, 6, 3)}, opset=9))
    out.append(case("MatMul", "special values", {"a": specials(rng, 3, 11, 2), "b": specials(rng, 2, 18)}))
    return out


# -- Conv --------------------------------------------------------------------------------------
def conv_cases(rng: np.random.Generator) -> list[Case]:
    x, w = data(rng, 2, 5, 9, 19), weights(rng, 7, 5, 3, 3)
    out = [case("Conv", "pads", {"x": x}, {"w": w, "b": data(rng, 7)}, pads=[1, 2, 0, 1]),
           case("Conv", "strides dilations runtime weights", {"x": x, "w": w}, strides=[2, 3], dilations=[2, 1],
                pads=[1, 2, 0, 1]),
           case("Conv", "kernel_shape given, no bias", {"x": x}, {"w": w}, kernel_shape=[3, 3])]
    for auto in ("SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET"):
        out.append(case("Conv", f"auto_pad={auto} strides 2", {"x": data(rng, 1, 3, 10, 11)},
                        {"w": weights(rng, 4, 3, 4, 3), "b": data(rng, 4)}, auto_pad=auto, strides=[2, 2]))
    out += [
        case("Conv", "pointwise batch 2", {"x": data(rng, 2, 13, 7, 37)}, {"w": weights(rng, 11, 13, 1, 1),
                                                                          "b": data(rng, 11)}),
        case("Conv", "pointwise stride 2", {"x": data(rng, 1, 6, 9, 9)}, {"w": weights(rng, 5, 6, 1, 1)},
             strides=[2, 2]),
        case("Conv", "valid 3x3 read in place", {"x": data(rng, 1, 4, 8, 21)}, {"w": weights(rng, 9, 4, 3, 3)}),
        case("Conv", "groups", {"x": data(rng, 2, 6, 9, 11)}, {"w": weights(rng, 9, 2, 3, 3), "b": data(rng, 9)},
             group=3, pads=[1, 1, 1, 1]),
        case("Conv", "groups runtime weights", {"x": data(rng, 1, 8, 7, 18), "w": weights(rng, 4, 4, 1, 3)}, group=2,
             pads=[0, 1, 0, 1]),
        case("Conv", "depthwise 3x3", {"x": data(rng, 2, 6, 11, 37)},
             {"w": weights(rng, 6, 1, 3, 3), "b": data(rng, 6)}, group=6, pads=[1, 1, 1, 1]),
        case("Conv", "depthwise 5x5 stride 2", {"x": data(rng, 1, 5, 19, 40)}, {"w": weights(rng, 5, 1, 5, 5)}, group=5,
             strides=[2, 2], pads=[2, 2, 2, 2]),
        case("Conv", "depthwise stride 3 dilation", {"x": data(rng, 1, 3, 17, 30), "w": weights(rng, 3, 1, 3, 2)},
             group=3, strides=[1, 3], dilations=[2, 2], pads=[2, 0, 1, 3]),
        case("Conv", "depthwise with a multiplier", {"x": data(rng, 1, 4, 9, 10)}, {"w": weights(rng, 8, 1, 3, 3)},
             group=4, pads=[1, 1, 1, 1]),
        case("Conv", "1-D", {"x": data(rng, 2, 4, 37)}, {"w": weights(rng, 6, 4, 3), "b": data(rng, 6)}, pads=[1, 2]),
        case("Conv", "1-D stride 2 dilation 2", {"x": data(rng, 1, 3, 40)}, {"w": weights(rng, 2, 3, 5)},
             strides=[2], dilations=[2], auto_pad="SAME_UPPER"),
        case("Conv", "1-D depthwise", {"x": data(rng, 2, 5, 33)}, {"w": weights(rng, 5, 1, 3), "b": data(rng, 5)},
             group=5, pads=[1, 1]),
        case("Conv", "3-D", {"x": data(rng, 1, 2, 5, 6, 7)}, {"w": weights(rng, 3, 2, 3, 2, 3), "b": data(rng, 3)},
             pads=[1, 0, 1, 0, 1, 2], strides=[2, 1, 2]),
        case("Conv", "Winograd 3x3", {"x": data(rng, 2, 16, 13, 19)}, {"w": weights(rng, 12, 16, 3, 3),
                                                                      "b": data(rng, 12)}, pads=[1, 1, 1, 1]),
        case("Conv", "Winograd asymmetric pads", {"x": data(rng, 1, 24, 20, 21)}, {"w": weights(rng, 9, 24, 3, 3)},
             pads=[0, 2, 1, 0]),
        case("Conv", "batch 0", {"x": data(rng, 0, 3, 5, 5)}, {"w": weights(rng, 2, 3, 3, 3), "b": data(rng, 2)}),
        case("Conv", "kernel larger than the input, padded", {"x": data(rng, 1, 2, 2, 3)},
             {"w": weights(rng, 3, 2, 5, 5)}, pads=[2, 2, 2, 2]),
        case("Conv", "opset 1", {"x": data(rng, 1, 3, 6, 6)}, {"w": weights(rng, 2, 3, 3, 3)}, opset=1),
        case("Conv", "opset 11", {"x": data(rng, 1, 3, 6, 6)}, {"w": weights(rng, 2, 3, 3, 3)}, opset=11,
             auto_pad="SAME_LOWER"),
        case("Conv", "special values pointwise", {"x": specials(rng, 1, 2, 5, 19)}, {"w": specials(rng, 3, 2, 1, 1)}),
        case("Conv", "special values padded", {"x": specials(rng, 1, 1, 6, 17)}, {"w": weights(rng, 2, 1, 1, 2)},
             pads=[1, 1, 1, 1]),
        case("Conv", "special values depthwise", {"x": specials(rng, 1, 3, 7, 18)}, {"w": specials(rng, 3, 1, 1, 2)},
             group=3, pads=[0, 1, 0, 1]),
    ]
    # each through another scheme in turn; Winograd's sums differ from the direct ones by a few
    # ulps of the pre-activation values, more than 1e-6 of a Clip's or a Sigmoid's small outputs
    for i, act in enumerate(ACTIVATIONS):
        shape, wshape, attrs = [((1, 16, 7, 19), (8, 16, 3, 3), {"pads": [1, 1, 1, 1]}),
                                ((1, 4, 7, 19), (5, 4, 3, 3), {"pads": [1, 1, 1, 1]}),
                                ((1, 6, 7, 19), (6, 1, 3, 3), {"group": 6, "pads": [1, 1, 1, 1]})][i % 3]
        out.append(activated("Conv", f"fused {attrs}", {"x": data(rng, *shape)},
                             {"w": weights(rng, *wshape), "b": data(rng, wshape[0])}, act, **attrs))
    return out


# -- ConvTranspose -----------------------------------------------------------------------------
def conv_transpose_cases(rng: np.random.Generator) -> list[Case]:
    x = data(rng, 2, 5, 9, 11)
    out = [
        case("ConvTranspose", "bias", {"x": x}, {"w": weights(rng, 5, 7, 3, 3), "b": data(rng, 7)}),
        case("ConvTranspose", "strides pads dilations output_padding runtime weights",
             {"x": x, "w": weights(rng, 5, 7, 3, 3)}, strides=[2, 3], dilations=[2, 1], pads=[1, 2, 0, 1],
             output_padding=[1, 0]),
        case("ConvTranspose", "kernel = stride (upsampling)", {"x": data(rng, 1, 6, 9, 17)},
             {"w": weights(rng, 6, 4, 2, 2), "b": data(rng, 4)}, strides=[2, 2]),
        case("ConvTranspose", "groups", {"x": data(rng, 1, 6, 9, 11)}, {"w": weights(rng, 6, 2, 2, 3)}, group=3,
             strides=[2, 2]),
        case("ConvTranspose", "output_shape", {"x": data(rng, 1, 3, 5, 6)}, {"w": weights(rng, 3, 3, 3, 3)},
             output_shape=[12, 13], strides=[2, 2]),
        case("ConvTranspose", "1-D", {"x": data(rng, 2, 4, 19)}, {"w": weights(rng, 4, 3, 3), "b": data(rng, 3)},
             strides=[2], pads=[1, 0]),
        case("ConvTranspose", "3-D", {"x": data(rng, 1, 2, 3, 4, 5)}, {"w": weights(rng, 2, 3, 3, 2, 3)},
             pads=[1, 0, 1, 0, 1, 2], strides=[2, 1, 2]),
        case("ConvTranspose", "batch 0", {"x": data(rng, 0, 3, 4, 4)}, {"w": weights(rng, 3, 2, 3, 3)}),
        case("ConvTranspose", "opset 1", {"x": data(rng, 1, 2, 4, 4)}, {"w": weights(rng, 2, 2, 3, 3)}, opset=1),
        case("ConvTranspose", "special values", {"x": specials(rng, 1, 2, 5, 17)}, {"w": specials(rng, 2, 3, 2, 2)},
             strides=[2, 2]),
    ]
    for auto in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        out.append(case("ConvTranspose", f"auto_pad={auto}", {"x": data(rng, 1, 2, 7, 8)},
                        {"w": weights(rng, 2, 3, 3, 3)}, auto_pad=auto, strides=[2, 3]))
    for act in ACTIVATIONS[::2]:
        out.append(activated("ConvTranspose", "fused", {"x": data(rng, 1, 3, 6, 7)},
                             {"w": weights(rng, 3, 4, 3, 3), "b": data(rng, 4)}, act, strides=[2, 2]))
    return out


# products: the order of the float additions is free, so a zero's sign is not fixed
CASES: dict[str, OpCases] = {
    "Gemm": OpCases(gemm_cases, signed_zero=False),
    "MatMul": OpCases(matmul_cases, signed_zero=False),
    "Conv": OpCases(conv_cases, signed_zero=False),
    "ConvTranspose": OpCases(conv_transpose_cases, signed_zero=False),
}
