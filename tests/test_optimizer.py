"""Each optimizer pass on a small graph (structure and numbers) and on the real models."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.frontend import graph_from_onnx, load_model
from gpu_infer.optimizer import (conv_bias, dead_code, fold_bn, fuse_activation, hard_activations, identity,
                                 matmul_add, optimize)
from helpers import CLS_MODEL, DET_MODEL, ort_run, rel_err, text_image

RNG = np.random.default_rng(0)


def const(name, shape, positive=False):
    a = RNG.standard_normal(shape).astype(np.float32)
    return numpy_helper.from_array(np.abs(a) + 0.5 if positive else a, name)


def build(nodes, inits, x_shape, y_shape, opset=17, outputs=("y",)):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs], inits)
    return onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]))


def same_numbers(model, x):
    plain = gpu_infer.InferenceSession(model, backend="cpu", optimize_graph=False).run(None, {"x": x})
    tuned = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": x})
    ref = ort_run(model.SerializeToString(), {"x": x})
    for p, t, r in zip(plain, tuned, ref):
        assert rel_err(p, r) < 1e-5 and rel_err(t, r) < 1e-5


def ops_after(model, *passes):
    g = graph_from_onnx(load_model(model))
    for p in passes:
        p.run(g)
    return [n.op_type for n in g.nodes], g


BN = ["s", "b", "m", "v"]


def bn_inits(c):
    return [const("s", [c]), const("b", [c]), const("m", [c]), const("v", [c], positive=True)]


@pytest.mark.parametrize("producer", ["Conv", "ConvTranspose", "Gemm"])
def test_fold_batchnorm(producer):
    if producer == "Gemm":
        node = helper.make_node("Gemm", ["x", "w", "c"], ["t"], transB=1)
        inits, x_shape = [const("w", [6, 5]), const("c", [6])], [3, 5]
    elif producer == "Conv":
        node = helper.make_node("Conv", ["x", "w"], ["t"], group=2, pads=[1, 1, 1, 1])
        inits, x_shape = [const("w", [6, 2, 3, 3])], [1, 4, 7, 7]
    else:
        node = helper.make_node("ConvTranspose", ["x", "w", "c"], ["t"], group=2, strides=[2, 2])
        inits, x_shape = [const("w", [4, 3, 3, 3]), const("c", [6])], [1, 4, 5, 5]
    bn = helper.make_node("BatchNormalization", ["t"] + BN, ["y"], epsilon=1e-3)
    model = build([node, bn], inits + bn_inits(6), x_shape, None)
    ops, _ = ops_after(model, fold_bn)
    assert ops == [producer]
    same_numbers(model, RNG.standard_normal(x_shape).astype(np.float32))


@pytest.mark.parametrize("act,attrs,opset", [("Relu", {}, 17), ("LeakyRelu", {"alpha": 0.2}, 17),
                                             ("Sigmoid", {}, 17), ("HardSigmoid", {"alpha": 0.3}, 17),
                                             ("HardSwish", {}, 17), ("Clip", {"min": -0.5, "max": 0.5}, 6),
                                             ("Clip", None, 17)])
def test_fuse_activation(act, attrs, opset):
    conv = helper.make_node("Conv", ["x", "w", "c"], ["t"], pads=[1, 1, 1, 1])
    inits = [const("w", [4, 3, 3, 3]), const("c", [4])]
    if act == "Clip" and attrs is None:
        inits += [numpy_helper.from_array(np.array(-0.5, np.float32), "lo"),
                  numpy_helper.from_array(np.array(0.7, np.float32), "hi")]
        a = helper.make_node("Clip", ["t", "lo", "hi"], ["y"])
    else:
        a = helper.make_node(act, ["t"], ["y"], **attrs)
    model = build([conv, a], inits, [1, 3, 6, 6], None, opset=opset)
    ops, g = ops_after(model, fuse_activation)
    assert ops == ["Conv"] and g.nodes[0].activation.op_type == act
    same_numbers(model, RNG.standard_normal((1, 3, 6, 6)).astype(np.float32))


def test_activation_not_fused_when_producer_output_is_read_elsewhere():
    conv = helper.make_node("Conv", ["x", "w"], ["t"])
    model = build([conv, helper.make_node("Relu", ["t"], ["y"])], [const("w", [2, 3, 1, 1])], [1, 3, 4, 4],
                  None, outputs=("y", "t"))
    ops, _ = ops_after(model, fuse_activation)
    assert ops == ["Conv", "Relu"]


def test_identity_and_inference_dropout_removed():
    nodes = [helper.make_node("Identity", ["x"], ["a"]), helper.make_node("Dropout", ["a"], ["b"]),
             helper.make_node("Relu", ["b"], ["y"])]
    model = build(nodes, [], [2, 3], None, opset=13)
    ops, _ = ops_after(model, identity)
    assert ops == ["Relu"]
    same_numbers(model, RNG.standard_normal((2, 3)).astype(np.float32))


@pytest.mark.parametrize("c_shape,fused", [([6], True), ([1, 6], True), ([4, 6], True), ([4, 1, 6], False)])
def test_matmul_add_to_gemm(c_shape, fused):
    nodes = [helper.make_node("MatMul", ["x", "w"], ["t"]), helper.make_node("Add", ["t", "c"], ["y"])]
    model = build(nodes, [const("w", [5, 6]), const("c", c_shape)], [4, 5], None)
    g = graph_from_onnx(load_model(model))
    g = gpu_infer.frontend.specialize(g, {"x": (4, 5)})
    matmul_add.run(g)
    assert [n.op_type for n in g.nodes] == (["Gemm"] if fused else ["MatMul", "Add"])
    same_numbers(model, RNG.standard_normal((4, 5)).astype(np.float32))


def test_dead_nodes_removed():
    nodes = [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Sigmoid", ["x"], ["unused"])]
    ops, _ = ops_after(build(nodes, [], [2, 2], None), dead_code)
    assert ops == ["Relu"]


@pytest.mark.parametrize("path,shape", [(CLS_MODEL, (1, 3, 48, 192)), (DET_MODEL, (1, 3, 128, 160))])
def test_real_models_shrink_and_still_match(path, shape):
    graph = graph_from_onnx(load_model(path))
    before = [n.op_type for n in graph.nodes]
    after = [n.op_type for n in optimize(gpu_infer.frontend.specialize(graph, {"x": shape})).nodes]
    assert after.count("BatchNormalization") < before.count("BatchNormalization") or \
        before.count("BatchNormalization") == 0
    fusable = sum(after.count(op) for op in ("Relu", "HardSigmoid", "Clip"))
    assert fusable < sum(before.count(op) for op in ("Relu", "HardSigmoid", "Clip"))
    x = text_image(*shape[2:])
    (got,) = gpu_infer.InferenceSession(path, backend="cpu").run(None, {"x": x})
    (want,) = ort_run(path, {"x": x})
    assert rel_err(got, want) < 1e-4


def test_convert_roundtrip_keeps_fusions(tmp_path):
    from gpu_infer.cli import main
    out = tmp_path / "cls.gim"
    assert main(["convert", str(CLS_MODEL), str(out)]) == 0
    saved = onnx.load(out)
    assert "BatchNormalization" not in {n.op_type for n in saved.graph.node}
    x = RNG.standard_normal((1, 3, 48, 192)).astype(np.float32)
    (a,) = gpu_infer.InferenceSession(str(out), backend="cpu").run(None, {"x": x})
    (b,) = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu").run(None, {"x": x})
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("c_shape,folded", [([1, 4, 1, 1], True), ([4, 1, 1], True), ([6], False), ([1, 4, 6, 6], False)])
def test_conv_bias_add_folded(c_shape, folded):
    nodes = [helper.make_node("Conv", ["x", "w"], ["t"], pads=[1, 1, 1, 1]), helper.make_node("Add", ["t", "c"], ["u"]),
             helper.make_node("Relu", ["u"], ["y"])]
    model = build(nodes, [const("w", [4, 3, 3, 3]), const("c", c_shape)], [1, 3, 6, 6], None)
    ops, _ = ops_after(model, conv_bias, fuse_activation)
    assert ops == (["Conv"] if folded else ["Conv", "Add", "Relu"])
    same_numbers(model, RNG.standard_normal((1, 3, 6, 6)).astype(np.float32))


@pytest.mark.parametrize("producer", ["Conv", "ConvTranspose"])
@pytest.mark.parametrize("s_shape", [[1], [1, 6, 1, 1]])
def test_conv_scale_mul_folded(producer, s_shape):
    """A scalar or per-channel Mul after a (grouped) convolution scales its weight and bias."""
    if producer == "Conv":
        conv = helper.make_node("Conv", ["x", "w", "b"], ["t"], group=2, pads=[1, 1, 1, 1])
        w = const("w", [6, 2, 3, 3])
    else:
        conv = helper.make_node("ConvTranspose", ["x", "w", "b"], ["t"], group=2, strides=[2, 2])
        w = const("w", [4, 3, 3, 3])
    nodes = [conv, helper.make_node("Mul", ["s", "t"], ["u"]), helper.make_node("Add", ["u", "c"], ["y"])]
    model = build(nodes, [w, const("b", [6]), const("s", s_shape), const("c", [1, 6, 1, 1])], [1, 4, 5, 5], None)
    ops, g = ops_after(model, conv_bias)
    assert ops == [producer]
    assert "w" in g.initializers and "s" in g.initializers    # the originals stay for other readers
    same_numbers(model, RNG.standard_normal((1, 4, 5, 5)).astype(np.float32))


def _hard_pattern(form: str) -> list:
    """The spelled-out forms exporters write (x is the Conv output t)."""
    clip = [helper.make_node("Add", ["t", "three"], ["a"]), helper.make_node("Clip", ["a", "zero", "six"], ["c"])]
    return {
        "hardswish-div": clip + [helper.make_node("Mul", ["t", "c"], ["m"]), helper.make_node("Div", ["m", "six"], ["y"])],
        "hardswish-mul": clip + [helper.make_node("Mul", ["c", "t"], ["m"]),
                                 helper.make_node("Mul", ["sixth", "m"], ["y"])],
        "hardsigmoid": clip + [helper.make_node("Div", ["c", "six"], ["y"])],
        "x-hardsigmoid": [helper.make_node("HardSigmoid", ["t"], ["h"], alpha=1 / 6),
                          helper.make_node("Mul", ["t", "h"], ["y"])],
    }[form]


@pytest.mark.parametrize("form,fused", [("hardswish-div", "HardSwish"), ("hardswish-mul", "HardSwish"),
                                        ("hardsigmoid", "HardSigmoid"), ("x-hardsigmoid", "HardSwish")])
@pytest.mark.parametrize("opset", [12, 14])
def test_hard_activations_recognized(form, fused, opset):
    scalars = [numpy_helper.from_array(np.array(v, np.float32), n)
               for n, v in (("three", 3), ("zero", 0), ("six", 6), ("sixth", 1 / 6))]
    nodes = [helper.make_node("Conv", ["x", "w"], ["t"], pads=[1, 1, 1, 1])] + _hard_pattern(form)
    model = build(nodes, [const("w", [4, 3, 3, 3])] + scalars, [1, 3, 6, 6], None, opset=opset)
    ops, g = ops_after(model, hard_activations)
    if fused == "HardSwish" and opset < 14:                 # no HardSwish op yet: fused straight into the Conv
        assert ops == ["Conv"] and g.nodes[0].activation.op_type == "HardSwish"
    else:
        assert ops == ["Conv", fused]
        ops, _ = ops_after(model, hard_activations, fuse_activation)
        assert ops == ["Conv"]
    same_numbers(model, 3 * RNG.standard_normal((1, 3, 6, 6)).astype(np.float32))


def test_hard_activations_need_exact_constants_and_private_intermediates():
    scalars = [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in (("three", 3), ("zero", 0),
                                                                               ("six", 6), ("five", 5))]
    wrong_bound = [helper.make_node("Add", ["x", "three"], ["a"]), helper.make_node("Clip", ["a", "zero", "five"], ["c"]),
                   helper.make_node("Div", ["c", "six"], ["y"])]
    ops, _ = ops_after(build(wrong_bound, scalars, [2, 3], None, opset=14), hard_activations)
    assert ops == ["Add", "Clip", "Div"]
    shared = [helper.make_node("Add", ["x", "three"], ["a"]), helper.make_node("Clip", ["a", "zero", "six"], ["c"]),
              helper.make_node("Div", ["c", "six"], ["y"])]
    ops, _ = ops_after(build(shared, scalars, [2, 3], None, opset=14, outputs=("y", "c")), hard_activations)
    assert ops == ["Add", "Clip", "Div"]                     # c is a graph output: keep it
