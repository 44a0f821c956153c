"""Differential cases of the pooling, reduction, softmax, normalization and resize ops
(cl_kernels/{pool,reduce,softmax,norm,resize}.cl): every attribute form and opset, odd sizes
that leave partial vectors (rows of 37, 8-wide blocks with tails), size-0 dimensions, integer
data where the kernels take it, and special values.

Where a float32 sum can overflow its order decides between infinity and a finite result, so
sums, means, variances and averages get the special values without float32's extremes
(SUMMABLE); where the CPU backend's dense interpolation matrix multiplies an infinity by a zero
weight (linear and cubic Resize) it spreads NaN over a whole row, so those get finite data.
Resize's scales and roi are exact in float16: the fp16 levels round the reference model's float
initializers, shape operands included.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from gpu_differential_cases import SPECIAL, Case, OpCases, node_model, values

SUMMABLE = SPECIAL[np.abs(np.nan_to_num(SPECIAL, posinf=0, neginf=0)) < 1e30]
Spec = tuple[str, dict[str, np.ndarray], dict[str, Any]]


def data(rng: np.random.Generator, shape: tuple[int, ...], special: np.ndarray | None = SPECIAL,
         dtype: str = "float32") -> np.ndarray:
    """Values over several magnitudes, about one in five from `special` (None: finite only);
    integers and booleans over their whole range."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype != "float32":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    x = values(rng, shape, False)
    if special is not None:
        x = np.where(rng.random(shape) < 0.2, rng.choice(special, shape), x).astype(np.float32)
    return x


def generator(build: Callable[[np.random.Generator], list[Spec]]) -> Callable[[np.random.Generator], list[Case]]:
    """`build` gives (op, feeds, node_model keywords) triples; each becomes a case."""
    def generate(rng: np.random.Generator) -> list[Case]:
        cases = []
        for op, feeds, kw in build(rng):
            shapes = ",".join(f"{v.dtype.name}{list(v.shape)}" for v in feeds.values())
            attrs = {k: v for k, v in kw.items() if k != "initializers"}
            cases.append(Case(f"{op}({shapes}) {attrs}", node_model(op, feeds, **kw), feeds))
        return cases
    return generate


# -- reductions -----------------------------------------------------------------------------
# (shape, axes): full, single axes, non-adjacent axes, rows with a partial vector, interleaved
# columns with a partial block, an empty reduction, an empty output, a scalar
REDUCE_SHAPES = [((7,), None), ((3, 5), [1]), ((3, 5), [0]), ((2, 3, 5, 7), [1, 3]), ((2, 3, 5, 7), [0, 2]),
                 ((4, 37), [-1]), ((37, 19), [0]), ((2, 0, 3), [1]), ((2, 0, 3), [0]), ((), None),
                 ((1, 3, 1, 5, 2, 3), [0, 2, 4])]
ORDERED = ("ReduceMax", "ReduceMin")


def reduce_cases(op: str) -> Callable[[np.random.Generator], list[Case]]:
    attr_opset, input_opset = (11, 13) if op == "ReduceSum" else (13, 18)

    def build(rng):
        special = SPECIAL if op in ORDERED else SUMMABLE
        if op == "ReduceProd":            # products of many large numbers overflow in an order of their own
            special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0], np.float32)
        out = []
        for k, (shape, axes) in enumerate(REDUCE_SHAPES):
            x = data(rng, shape, special)
            if op == "ReduceProd":
                x = np.where(np.abs(x) > 4, np.float32(1.5), x).astype(np.float32)
            keep = {"keepdims": k % 2}
            if axes is None:
                out.append((op, {"x": x}, {"opset": input_opset, **keep}))
                continue
            out.append((op, {"x": x}, {"opset": attr_opset, "axes": axes, **keep}))
            out.append((op, {"x": x}, {"opset": input_opset, "initializers": {"axes": np.array(axes, np.int64)},
                                       **keep}))
        x = data(rng, (3, 5), special)
        out.append((op, {"x": x}, {"opset": input_opset, "noop_with_empty_axes": 1,
                                   "initializers": {"axes": np.zeros(0, np.int64)}}))
        out.append((op, {"x": x}, {"opset": input_opset, "initializers": {"axes": np.zeros(0, np.int64)}}))
        out.append((op, {"x": x}, {"opset": 1}))                                           # axes absent: all
        integer = {"ReduceMax": "int64", "ReduceMin": "uint8", "ReduceSum": "int32", "ReduceProd": "int64"}.get(op)
        if integer:                       # one type each: every integer program builds alike
            rows, cols = data(rng, (4, 37), None, integer), data(rng, (37, 9), None, integer)
            if op == "ReduceProd":
                rows, cols = (v % 3 - 1 for v in (rows, cols))
            out.append((op, {"x": rows}, {"opset": attr_opset, "axes": [1]}))
            out.append((op, {"x": cols}, {"opset": attr_opset, "axes": [0]}))
        if op == "ReduceMax":
            out.append((op, {"x": data(rng, (3, 5), None, "bool")},
                        {"opset": 20, "initializers": {"axes": np.array([1], np.int64)}}))
        return out
    return generator(build)


def global_pool_cases(op: str) -> Callable[[np.random.Generator], list[Case]]:
    def build(rng):
        special = SPECIAL if op == "GlobalMaxPool" else SUMMABLE
        return [(op, {"x": data(rng, shape, special)}, {}) for shape in
                [(1, 3, 7, 9), (2, 5, 37), (1, 2, 3, 4, 5), (0, 3, 4, 5), (2, 3, 1, 1), (1, 2, 160, 9)]]
    return generator(build)


# -- softmax ---------------------------------------------------------------------------------
def softmax_cases(op: str) -> Callable[[np.random.Generator], list[Case]]:
    def build(rng):
        out = []
        for shape, axes in [((3, 5), (-1, 0)), ((2, 3, 5, 7), (1, 3)), ((4, 37), (-1,)), ((1, 37, 19), (1,)),
                            ((7,), (0,)), ((0, 5), (1,)), ((3, 0), (1,))]:
            for axis in axes:
                out.append((op, {"x": data(rng, shape)}, {"opset": 13, "axis": axis}))
        for shape in [(2, 3, 5, 7), (4, 37)]:
            out.append((op, {"x": data(rng, shape)}, {"opset": 11}))                  # coerced to 2-D at 1
            out.append((op, {"x": data(rng, shape)}, {"opset": 11, "axis": 0}))
        out.append((op, {"x": data(rng, (2, 3, 4))}, {"opset": 1, "axis": 2}))
        out.append((op, {"x": SPECIAL.reshape(1, -1)}, {"opset": 13}))
        return out
    return generator(build)


# -- normalizations --------------------------------------------------------------------------
def layer_norm_cases(rng):
    out = []
    for shape, axis in [((2, 3, 5), -1), ((2, 3, 5), 1), ((2, 3, 5), 0), ((4, 37), -1), ((3, 1), 1), ((0, 5), 1)]:
        norm = shape[axis:]
        scale, bias = data(rng, norm, None), data(rng, norm, None)
        x = data(rng, shape, SUMMABLE)
        out.append(("LayerNormalization", {"x": x}, {"n_outputs": 3, "axis": axis,
                                                       "initializers": {"s": scale, "b": bias}}))
        out.append(("LayerNormalization", {"x": x, "s": scale}, {"axis": axis, "epsilon": 0.5}))
    x = data(rng, (2, 3, 5), SUMMABLE)
    out.append(("LayerNormalization", {"x": x}, {"axis": 1, "n_outputs": 2,
                                                 "initializers": {"s": data(rng, (5,), None)}}))   # broadcast
    return out


def instance_norm_cases(rng):
    out = []
    for shape in [(2, 3, 5, 7), (1, 4, 37), (1, 2, 3, 4, 5), (2, 3, 1), (0, 3, 4)]:
        channels = shape[1]
        out.append(("InstanceNormalization", {"x": data(rng, shape, SUMMABLE)},
                    {"initializers": {"s": data(rng, (channels,), None), "b": data(rng, (channels,), None)}}))
    x = data(rng, (2, 3, 6))
    out.append(("InstanceNormalization", {"x": x, "s": data(rng, (3,), None), "b": data(rng, (3,), None)},
                {"opset": 6, "epsilon": 0.25}))
    return out


# -- pooling ---------------------------------------------------------------------------------
# (shape, attributes): 8-wide blocks with tails (outputs along W of 19, 37), SPP-like 5x5,
# ceil_mode, dilations, every auto_pad, 1-D and 3-D
POOLS = [((1, 3, 17, 37), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
         ((2, 2, 16, 38), {"kernel_shape": [2, 2], "strides": [2, 2]}),
         ((1, 3, 9, 37), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
         ((1, 2, 13, 21), {"kernel_shape": [5, 5], "pads": [2, 2, 2, 2]}),
         ((1, 3, 10, 23), {"kernel_shape": [3, 2], "strides": [2, 3], "pads": [1, 0, 2, 1], "ceil_mode": 1}),
         ((1, 2, 11, 25), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
         ((1, 2, 11, 25), {"kernel_shape": [2, 4], "strides": [1, 2], "auto_pad": "SAME_LOWER"}),
         ((1, 2, 11, 25), {"kernel_shape": [3, 3], "auto_pad": "VALID"}),
         ((2, 3, 41), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
         ((1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 2], "strides": [1, 2, 2], "pads": [1, 0, 1, 0, 1, 1]}),
         ((0, 2, 5, 5), {"kernel_shape": [2, 2]})]


def maxpool_cases(rng):
    out = [("MaxPool", {"x": data(rng, shape)}, {"opset": 12, **attrs}) for shape, attrs in POOLS]
    out.append(("MaxPool", {"x": data(rng, (1, 2, 13, 19))}, {"opset": 12, "kernel_shape": [3, 3],
                                                            "dilations": [2, 2], "pads": [2, 2, 2, 2]}))
    out.append(("MaxPool", {"x": data(rng, (1, 2, 9, 9))}, {"opset": 8, "kernel_shape": [2, 2]}))
    out.append(("MaxPool", {"x": data(rng, (1, 2, 10, 10))}, {"opset": 10, "kernel_shape": [3, 3], "strides": [2, 2],
                                                           "ceil_mode": 1}))
    for order in (0, 1):
        out.append(("MaxPool", {"x": data(rng, (2, 3, 9, 11))},
                    {"opset": 12, "n_outputs": 2, "kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                     "storage_order": order}))
    out.append(("MaxPool", {"x": data(rng, (1, 2, 5, 6, 7))}, {"opset": 12, "n_outputs": 2, "kernel_shape": [2, 2, 2]}))
    out.append(("MaxPool", {"x": data(rng, (1, 3, 9, 19), None, "uint8")},
                {"opset": 12, "kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}))
    return out


def averagepool_cases(rng):
    out = []
    for k, (shape, attrs) in enumerate(POOLS):
        out.append(("AveragePool", {"x": data(rng, shape, SUMMABLE)}, {"opset": 11, "count_include_pad": k % 2,
                                                                        **attrs}))
    out.append(("AveragePool", {"x": data(rng, (1, 3, 17, 37), SUMMABLE)},
                {"opset": 11, "kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 1}))
    out.append(("AveragePool", {"x": data(rng, (1, 2, 13, 19), SUMMABLE)},
                {"opset": 19, "kernel_shape": [3, 3], "dilations": [2, 2], "pads": [2, 1, 2, 1], "ceil_mode": 1}))
    out.append(("AveragePool", {"x": data(rng, (1, 2, 9, 9), SUMMABLE)}, {"opset": 7, "kernel_shape": [2, 2],
                                                                         "pads": [1, 1, 0, 0]}))
    out.append(("AveragePool", {"x": data(rng, (1, 2, 10, 10), SUMMABLE)},
                {"opset": 10, "kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}))
    return out


# -- resize ----------------------------------------------------------------------------------
def _resize(rng, shape: tuple[int, ...], opset: int = 13, scales=None, sizes=None, roi=None,
            special: np.ndarray | None = None, dtype: str = "float32", **attrs) -> Spec:
    inits: dict[str, np.ndarray] = {}
    if opset >= 11:
        inits["roi"] = np.array(roi if roi is not None else [], np.float32)
    if scales is not None or opset < 11:
        inits["scales"] = np.array(scales, np.float32)
    elif sizes is not None:
        inits["scales"] = np.zeros(0, np.float32)
    if sizes is not None:
        inits["sizes"] = np.array(sizes, np.int64)
    return "Resize", {"x": data(rng, shape, special, dtype)}, {"opset": opset, "initializers": inits, **attrs}


def resize_cases(rng):
    out = []
    x4 = (2, 3, 7, 9)
    for nearest in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
        out.append(_resize(rng, x4, scales=[1, 1, 1.75, 2.25], special=SPECIAL, mode="nearest", nearest_mode=nearest))
    for coords in ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"):
        out.append(_resize(rng, x4, scales=[1, 1, 0.625, 1.5], special=SPECIAL, mode="nearest",
                           coordinate_transformation_mode=coords))
    for mode in ("linear", "cubic"):
        for coords in ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric"):
            out.append(_resize(rng, x4, opset=19, scales=[1, 1, 2.5, 0.625], mode=mode,
                               coordinate_transformation_mode=coords))
        out.append(_resize(rng, x4, sizes=[2, 3, 4, 21], mode=mode))
        out.append(_resize(rng, x4, opset=18, scales=[0.375, 0.6875], axes=[2, 3], mode=mode, antialias=1))
        out.append(_resize(rng, (1, 2, 3, 4, 5), scales=[1, 1, 2, 1.5, 2], mode=mode))             # 3 axes
        out.append(_resize(rng, (5, 6), scales=[1.5, 2], mode=mode))
    out.append(_resize(rng, x4, scales=[1, 1, 2, 2], mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1))
    for mode in ("nearest", "linear", "cubic"):
        out.append(_resize(rng, x4, scales=[1, 1, 1.875, 2.25], roi=[0, 0, -0.25, 0.1875, 1, 1, 1.25, 0.875], mode=mode,
                           coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-7.5))
        out.append(_resize(rng, x4, opset=18, sizes=[5, 4], axes=[3, 2], roi=[0.125, 0.25, 0.75, 0.875], mode=mode,
                           coordinate_transformation_mode="tf_crop_and_resize"))
    for policy in ("not_larger", "not_smaller"):
        out.append(_resize(rng, x4, opset=18, sizes=[13, 11], axes=[2, 3], mode="nearest",
                           keep_aspect_ratio_policy=policy))
    out.append(_resize(rng, (1, 4, 19, 37), scales=[1, 1, 2, 2], special=SPECIAL, mode="nearest"))     # x2 fast path
    out.append(_resize(rng, (1, 4, 19, 40), scales=[1, 1, 2, 2], special=SPECIAL, mode="nearest",
                       coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
    out.append(_resize(rng, (1, 3, 5, 19), scales=[1, 1, 2, 2], mode="nearest", dtype="uint8"))
    out.append(_resize(rng, (1, 3, 5, 19), scales=[1, 1, 2, 2], mode="linear", dtype="float32"))
    out.append(_resize(rng, (0, 3, 4, 5), scales=[1, 1, 2, 2], mode="nearest"))
    out.append(_resize(rng, x4, opset=10, scales=[1, 1, 2, 3], special=SPECIAL, mode="nearest"))
    out.append(_resize(rng, x4, opset=10, scales=[1, 1, 0.5, 0.6875], mode="nearest"))
    out.append(_resize(rng, x4, opset=10, scales=[1, 1, 2, 1.5], mode="linear"))
    out.append(_resize(rng, x4, opset=11, scales=[1, 1, 2, 2], mode="linear", coordinate_transformation_mode="asymmetric"))
    return out


def upsample_cases(rng):
    x4 = (2, 3, 7, 9)
    return [("Upsample", {"x": data(rng, x4, SPECIAL)}, {"opset": 9, "initializers": {"s": np.array([1, 1, 2, 3],
                                                                                                     np.float32)}}),
            ("Upsample", {"x": data(rng, x4, None)}, {"opset": 9, "mode": "linear",
                                                      "initializers": {"s": np.array([1, 1, 2, 2.5], np.float32)}}),
            ("Upsample", {"x": data(rng, x4, SPECIAL)}, {"opset": 7, "scales": [1.0, 1.0, 2.0, 2.0]}),
            ("Upsample", {"x": data(rng, x4, None)}, {"opset": 7, "scales": [1.0, 2.0, 1.5, 2.0], "mode": "linear"})]


REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1",
              "ReduceL2", "ReduceLogSum", "ReduceLogSumExp")

# signed zeros: the spec leaves the sign of a zero mean, maximum or normalised value open
CASES: dict[str, OpCases] = {
    **{op: OpCases(reduce_cases(op), signed_zero=False) for op in REDUCTIONS},
    **{op: OpCases(global_pool_cases(op), signed_zero=False) for op in ("GlobalAveragePool", "GlobalMaxPool")},
    **{op: OpCases(softmax_cases(op), signed_zero=False) for op in ("Softmax", "LogSoftmax")},
    "LayerNormalization": OpCases(generator(layer_norm_cases), signed_zero=False),
    "InstanceNormalization": OpCases(generator(instance_norm_cases), signed_zero=False),
    "MaxPool": OpCases(generator(maxpool_cases), signed_zero=False),
    "AveragePool": OpCases(generator(averagepool_cases), signed_zero=False),
    "Resize": OpCases(generator(resize_cases), signed_zero=False),
    "Upsample": OpCases(generator(upsample_cases), signed_zero=False),
}
