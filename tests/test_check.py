"""`gpu-infer check` / gpu_infer.check(): node-by-node comparison with the CPU backend."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper, save

import gpu_infer
from gpu_infer.cli import main
from gpu_infer.errors import DeviceError, OptionError
from gpu_infer.tensor_diff import compare
from helpers import CLS_MODEL

W = np.array([1.0, -2.0, 3.0], np.float32).reshape(3, 1, 1)


def _model(nodes, inits=(), shape=(2, 3, 5, 7), opset=17, out_shape=None):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_shape or shape))],
                              [numpy_helper.from_array(v, k) for k, v in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def chain_model():
    """x -> Relu -> Add w -> Sigmoid -> Add with itself -> y."""
    return _model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                   helper.make_node("Add", ["r", "w"], ["a"], name="add_w"),
                   helper.make_node("Sigmoid", ["a"], ["s"], name="sigmoid"),
                   helper.make_node("Add", ["s", "s"], ["y"], name="double")], [("w", W)])


def _feeds(seed=0, shape=(2, 3, 5, 7)):
    return {"x": np.random.default_rng(seed).standard_normal(shape).astype(np.float32)}


def _break_add(backend, monkeypatch):
    """Make the GPU Add kernel compute the wrong thing on the device (no host math involved)."""
    if backend == "opencl":
        from gpu_infer.backends.opencl.ops.binary import CLBroadcastOp
        binary = CLBroadcastOp.binary

        def a_plus_a(self, a, b, y, options):              # b's buffer replaced by a's, b's shape kept
            return binary(self, a, (a[0], b[1]), y, options)
        monkeypatch.setattr(CLBroadcastOp, "binary", a_plus_a)
    else:
        from gpu_infer.backends.vulkan.ops.binary import VKBroadcastOp
        binary = VKBroadcastOp.binary

        def a_plus_a(self, form, a, b, *rest, **kw):        # b's buffer replaced by a's, b's form kept
            return binary(self, form, a, a, *rest, **kw)
        monkeypatch.setattr(VKBroadcastOp, "binary", a_plus_a)


# -- the comparison ----------------------------------------------------------------------------------
def test_compare_measures_relative_to_the_reference_scale():
    want = np.array([[0.0, 10.0], [-20.0, 5.0]], np.float32)
    got = want + np.array([[0.0, 0.0], [0.0, 0.01]], np.float32)
    d = compare(got, want)
    assert d.where == (1, 1) and d.want == 5.0 and d.scale == 20.0
    assert d.max_abs == pytest.approx(0.01, rel=1e-3) and d.max_rel == pytest.approx(5e-4, rel=1e-3)
    assert d.within(1e-3) and not d.within(1e-4)


def test_compare_requires_nan_and_infinities_at_the_same_places():
    want = np.array([1.0, np.nan, np.inf, -np.inf], np.float32)
    assert compare(want.copy(), want).within(0)
    moved = compare(np.array([np.nan, 1.0, np.inf, -np.inf], np.float32), want)
    assert moved.nan_mismatches == 2 and not moved.within(1.0)
    flipped = compare(np.array([1.0, np.nan, -np.inf, -np.inf], np.float32), want)
    assert flipped.inf_mismatches == 1 and flipped.where == (2,) and not flipped.within(1.0)
    finite = compare(np.array([1.0, np.nan, 3e38, -np.inf], np.float32), want)
    assert finite.inf_mismatches == 1


def test_compare_integers_exactly_and_shapes_first():
    assert compare(np.arange(4), np.arange(4)).within(0)
    d = compare(np.array([0, 1, 5]), np.array([0, 1, 2]))
    assert d.unequal == 1 and d.where == (2,) and not d.within(10.0)
    assert "want float32[3]" in compare(np.zeros(2, np.float32), np.zeros(3, np.float32)).describe()
    assert compare(np.zeros(0, np.float32), np.zeros(0, np.float32)).within(0)


# -- CPU against CPU, fused nodes ---------------------------------------------------------------------
def test_cpu_against_cpu_passes_and_names_what_fused_nodes_cover():
    rng = np.random.default_rng(1)
    inits = [("k", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
             ("scale", rng.random(4).astype(np.float32) + 0.5), ("bias", rng.standard_normal(4).astype(np.float32)),
             ("mean", rng.standard_normal(4).astype(np.float32)), ("var", rng.random(4).astype(np.float32) + 0.5)]
    model = _model([helper.make_node("Conv", ["x", "k"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                    helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"], name="bn"),
                    helper.make_node("Relu", ["b"], ["r"], name="relu"),
                    helper.make_node("Sigmoid", ["r"], ["y"], name="sig")], inits, out_shape=(2, 4, 5, 7))
    report = gpu_infer.check(model, _feeds(), backend="cpu")
    assert report.ok and report.first_divergent is None and report.precision == "fp32"
    assert [(n.name, n.op, n.covers) for n in report.nodes] == [
        ("conv", "Conv+Relu", ["conv", "bn", "relu"]), ("sig", "Sigmoid", ["sig"])]
    assert all(d.max_abs == 0 for n in report.nodes for _, d in n.outputs)
    assert "every node matches" in report.format()


# -- GPU backends ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_shipped_classifier_matches_node_by_node(backend, precision):
    feeds = _feeds(2, (1, 3, 48, 192))
    report = gpu_infer.check(CLS_MODEL, feeds, backend=backend, precision=precision)
    assert report.ok, report.format()
    assert report.rtol == (1e-4 if precision == "fp32" else 2e-2)
    placement = gpu_infer.InferenceSession(CLS_MODEL, backend=backend, precision=precision).placement(feeds)
    assert [(n.name, n.backend) for n in report.nodes] == [(name, where) for name, _, where in placement]
    assert any(n.backend == backend for n in report.nodes) and all(n.outputs for n in report.nodes)


@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_a_broken_kernel_is_named_as_the_first_divergent_node(backend, monkeypatch):
    _break_add(backend, monkeypatch)
    report = gpu_infer.check(chain_model(), _feeds(), backend=backend)
    assert not report.ok
    first = report.first_divergent
    assert (first.name, first.op, first.backend) == ("add_w", "Add", backend)
    assert [n.ok for n in report.nodes] == [True, False, False, False]     # relu before it is fine
    output, diff = first.worst
    assert output == "a" and diff.max_rel > 0.1 and diff.where is not None
    assert report.alone and not report.alone[0][1].within(report.rtol)      # wrong by itself
    text = report.format()
    assert "FIRST DIVERGENT NODE: add_w (Add) on " + backend in text and "wrong by itself" in text


@pytest.mark.parametrize("backend", ["opencl"])
def test_an_amplified_difference_is_told_from_a_wrong_node(backend):
    """FP16 storage rounds Relu's 2.9999 to 3, so Floor (run on the CPU) differs by 1; alone, on the
    reference's input, Floor matches: the report says the difference grew there."""
    model = _model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                    helper.make_node("Floor", ["r"], ["y"], name="floor")], shape=(4,), opset=13)
    x = np.array([2.9999, 1.5, 0.25, 7.0], np.float32)
    report = gpu_infer.check(model, {"x": x}, backend=backend, precision="fp16")
    assert [n.ok for n in report.nodes] == [True, False]
    assert report.first_divergent.name == "floor"
    assert report.alone and report.alone[0][1].within(report.rtol)
    assert "alone it matches" in report.format()


# -- the command ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["opencl"])
def test_command_exit_status_names_the_node(backend, tmp_path, monkeypatch, capsys):
    path = tmp_path / "chain.onnx"
    save(chain_model(), str(path))
    assert main(["check", str(path), "--backend", backend]) == 0
    assert "every node matches" in capsys.readouterr().out
    _break_add(backend, monkeypatch)
    assert main(["check", str(path), "--backend", backend]) == 1
    assert "FIRST DIVERGENT NODE: add_w (Add)" in capsys.readouterr().out
    assert main(["check", str(path), "--backend", backend, "--rtol", "1e9"]) == 0     # loose enough


def test_command_errors_exit_2(tmp_path, capsys):
    path = tmp_path / "chain.onnx"
    save(chain_model(), str(path))
    assert main(["check", str(path), "--backend", "nope"]) == 2
    assert "DeviceError: unknown backend 'nope'" in capsys.readouterr().err
    assert main(["check", str(path), "--backend", "cpu", "--rtol", "-1"]) == 2
    assert "OptionError" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.onnx"), "--backend", "cpu"]) == 2
    with pytest.raises(DeviceError):
        gpu_infer.check(chain_model(), _feeds(), backend="cpu", reference="tpu")
    with pytest.raises(OptionError):
        gpu_infer.check(chain_model(), _feeds(), backend="cpu", rtol=float("nan"))
