"""Which cases of onnx's official backend suite measure which backend.

A case counts for the first wave when every op in its graph is a first-wave op
(DESIGN.md) or a shape-arithmetic op folded at pre-inference. For a GPU backend
the suite runs, strict, the cases whose ops that backend claims in its registry.
"""
from __future__ import annotations

import functools
import os
import warnings

import onnx
from onnx.backend.test.loader import load_model_tests

FIRST_WAVE = {
    "Conv", "ConvTranspose", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid",
    "HardSigmoid", "HardSwish", "Tanh", "Elu", "Erf", "Gelu", "Softplus", "Add", "Sub", "Mul", "Div",
    "Pow", "Max", "Min", "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "MaxPool", "AveragePool",
    "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "Softmax", "LogSoftmax", "Concat", "Split",
    "Slice", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Expand", "Gather", "Resize",
    "Upsample", "Pad", "ReduceMean", "ReduceMax", "ReduceSum", "LayerNormalization",
    "InstanceNormalization", "DepthToSpace", "SpaceToDepth", "Cast",
    # shape arithmetic, folded at pre-inference, and trivial companions
    "Shape", "ConstantOfShape", "Range", "Constant", "Identity", "Dropout", "Size",
}
# folded into constants at pre-inference (given constant inputs), so a GPU backend needs no kernel
FOLDED = {"Shape", "ConstantOfShape", "Range", "Constant", "Size"}
KINDS = ("node", "pytorch-converted", "pytorch-operator", "simple")


def _ops(model: onnx.ModelProto) -> set[str]:
    return {n.op_type for n in model.graph.node}


@functools.lru_cache(maxsize=1)
def all_cases() -> dict[str, set[str]]:
    """test name (without the _cpu suffix) -> op types its graph uses."""
    out: dict[str, set[str]] = {}
    for kind in KINDS:
        with warnings.catch_warnings():   # onnx's generators warn about their own overflows; loads are cached
            warnings.simplefilter("ignore", RuntimeWarning)
            cases = load_model_tests(kind=kind)
        for case in cases:
            model = case.model
            if model is None and case.model_dir:
                path = os.path.join(case.model_dir, "model.onnx")
                if not os.path.exists(path):
                    continue
                model = onnx.load(path)
            if model is not None:
                out[case.name] = _ops(model)
    return out


def cases_within(ops: set[str]) -> list[str]:
    return sorted(name for name, used in all_cases().items() if used and used <= ops)


def first_wave_cases() -> list[str]:
    return cases_within(FIRST_WAVE)
