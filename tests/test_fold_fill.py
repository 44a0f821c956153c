"""ConstantOfShape folds at any size (onnx's light_* models build their weights with it, up to
1e8 values): as a zero-stride view of its one value, so the fold holds no memory."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.frontend import fold_constants, graph_from_onnx
from gpu_infer.frontend.specialize import MAX_FOLD_ELEMENTS
from helpers import rel_err

N = 4099                               # N * N is past MAX_FOLD_ELEMENTS


def fill_matmul_model():
    """y = x @ W with W = ConstantOfShape([N, N], 0.5)."""
    nodes = [helper.make_node("ConstantOfShape", ["dims"], ["w"], name="fill",
                              value=numpy_helper.from_array(np.array([0.5], np.float32))),
             helper.make_node("MatMul", ["x", "w"], ["y"], name="product")]
    graph = helper.make_graph(nodes, "fill", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, N])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, N])],
                              [numpy_helper.from_array(np.array([N, N], np.int64), "dims")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_a_fill_past_the_fold_limit_folds_into_a_view():
    assert N * N > MAX_FOLD_ELEMENTS
    graph = fold_constants(graph_from_onnx(fill_matmul_model()))
    assert [n.op_type for n in graph.nodes] == ["MatMul"]
    w = graph.initializers["w"]
    assert w.shape == (N, N) and w.dtype == np.float32 and w.strides == (0, 0)
    assert float(w[N - 1, N - 1]) == 0.5


@pytest.mark.parametrize("backend", ["cpu", "opencl"])
def test_a_folded_fill_runs_strict(backend):
    x = np.random.default_rng(0).standard_normal((2, N)).astype(np.float32)
    with gpu_infer.InferenceSession(fill_matmul_model(), backend=backend, strict=True) as sess:
        assert [op for _, op, _ in sess.placement()] == ["MatMul"]
        (y,) = sess.run(None, {"x": x})
    want = np.repeat(0.5 * x.astype(np.float64).sum(axis=1, keepdims=True), N, axis=1)
    assert rel_err(y, want) < 1e-4
