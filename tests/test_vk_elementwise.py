"""The Vulkan elementwise family beyond the shared cases (tests/diffcases_elementwise.py,
tests/test_cl_elementwise.py): casts between integer types and bool, the form and shader each
broadcast gets, Pow's double-precision shader, BatchNormalization's parameters prepared once,
and refusals that name the node and the reason."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.errors import UnsupportedOpError
from test_cl_elementwise import graph_model, integer_data, run_both

pytestmark = pytest.mark.vulkan


def test_casts_between_integer_types_and_bool_wrap_as_numpy():
    rng = np.random.default_rng(5)
    feeds = {"i64": integer_data("int64", (3, 11), rng), "u8": integer_data("uint8", (3, 11), rng),
             "b": rng.random((3, 11)) < 0.5, "f64": rng.uniform(-100, 100, (3, 11))}
    casts = [("i64", TensorProto.INT8), ("i64", TensorProto.UINT16), ("u8", TensorProto.INT64),
             ("u8", TensorProto.BOOL), ("b", TensorProto.INT32), ("b", TensorProto.FLOAT16),
             ("f64", TensorProto.INT32), ("f64", TensorProto.FLOAT), ("i64", TensorProto.DOUBLE)]
    nodes = [helper.make_node("Cast", [x], [f"{x}_{to}"], to=to) for x, to in casts]
    problems = run_both(graph_model(nodes, feeds, [n.output[0] for n in nodes]), feeds, backend="vulkan")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("a,b,form", [((2, 3, 4, 5), (2, 3, 4, 5), "same"), ((1, 64, 9, 9), (64, 1, 1), "channel_b"),
                                      ((5, 7), (7,), "row_b"), ((3, 1), (1, 5), "general"), ((4, 7), (), "scalar_b")])
def test_each_broadcast_gets_its_form(a, b, form, monkeypatch):
    from gpu_infer.backends.vulkan.ops import binary
    seen = []
    made = binary.VKBroadcastOp.binary

    def spy(self, kind, *args, **kw):
        seen.append(kind)
        return made(self, kind, *args, **kw)
    monkeypatch.setattr(binary.VKBroadcastOp, "binary", spy)
    model = graph_model([helper.make_node("Mul", ["a", "b"], ["y"])],
                        {"a": np.zeros(a, np.float32), "b": np.zeros(b, np.float32)}, ["y"])
    rng = np.random.default_rng(0)
    feeds = {"a": rng.standard_normal(a).astype(np.float32), "b": rng.standard_normal(b).astype(np.float32)}
    got = gpu_infer.InferenceSession(model, backend="vulkan", strict=True).run(None, feeds)[0]
    np.testing.assert_array_equal(got, feeds["a"] * feeds["b"])
    assert seen == [form]


def test_grids_past_the_group_count_limit_fall_back_to_the_general_form(monkeypatch):
    from gpu_infer.backends.vulkan.runtime import get_runtime
    from gpu_infer.scheduler import probe_all
    rt = get_runtime(probe_all()["vulkan"])
    monkeypatch.setitem(rt.limits, "max_group_count", (65535, 4, 65535))      # 64 channels: 8 groups of 8 along y
    a, b = np.ones((1, 64, 5, 5), np.float32), np.arange(64, dtype=np.float32).reshape(64, 1, 1)
    model = graph_model([helper.make_node("Add", ["a", "b"], ["y"]),
                         helper.make_node("BatchNormalization", ["y", "s", "c", "m", "v"], ["z"])],
                        {"a": a, "b": b}, ["z"], initializers={k: np.full(64, 2, np.float32) for k in "scmv"})
    got = gpu_infer.InferenceSession(model, backend="vulkan", strict=True).run(None, {"a": a, "b": b})[0]
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"a": a, "b": b})[0]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_pow_of_floats_runs_in_double_where_the_device_has_it():
    from gpu_infer.backends.vulkan.execution import type_refusal
    from gpu_infer.backends.vulkan.ops.binary import VKBroadcastOp
    want = "pow_f64" if type_refusal(np.float64) is None else "binary"
    assert VKBroadcastOp.pow_stem("f32") == want and VKBroadcastOp.pow_stem("i32.f32") == want
    assert VKBroadcastOp.pow_stem("i32.i64") == "binary"
    x = np.array([3.0, 10.0, 2.0, 88.0], np.float32)
    e = np.array([6.0, 38.0, 128.0, 19.5], np.float32)
    model = graph_model([helper.make_node("Pow", ["x", "e"], ["y"])], {"x": x, "e": e}, ["y"])
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
                                   .run(None, {"x": x, "e": e})[0], np.power(x, e), rtol=2e-7)


def test_batchnorm_parameters_prepared_once_per_session():
    rng = np.random.default_rng(4)
    stats = {k: (rng.random(3) + 0.5).astype(np.float32) for k in ("s", "b", "m", "v")}
    model = graph_model([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
                        {"x": np.zeros((1, 3, 5, 7), np.float32)}, ["y"], opset=15, initializers=stats)
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    x = rng.standard_normal((1, 3, 5, 7)).astype(np.float32)
    first = sess.run(None, {"x": x})[0]
    uploads = sess.backends[0].uploads
    np.testing.assert_array_equal(sess.run(None, {"x": x})[0], first)
    assert sess.backends[0].uploads == uploads and [op for _, op, _ in sess.placement()] == ["BatchNormalization"]


def test_refusals_name_the_node_and_the_reason():
    exp64 = graph_model([helper.make_node("Exp", ["x"], ["y"], name="exp64")], {"x": np.ones(3)}, ["y"])
    with pytest.raises(UnsupportedOpError, match="Exp node 'exp64'.*double-precision exp"):
        gpu_infer.InferenceSession(exp64, backend="vulkan", strict=True)
    rank7 = graph_model([helper.make_node("Cast", ["x"], ["y"], name="rank7", to=TensorProto.BFLOAT16)],
                        {"x": np.zeros((1,) * 7, np.float32)}, ["y"])
    with pytest.raises(UnsupportedOpError, match="Cast node 'rank7'.*more than 6 dims"):
        gpu_infer.InferenceSession(rank7, backend="vulkan", strict=True)
    sess = gpu_infer.InferenceSession(exp64, backend="vulkan")
    assert [backend for _, _, backend in sess.placement()] == ["cpu"]


def test_sum_and_mean_of_more_inputs_than_one_pass_takes():
    """Ten inputs: a pass over eight, then one over y and the last two (y read and written in place)."""
    rng = np.random.default_rng(6)
    feeds = {f"x{k}": rng.standard_normal((3, 1, 5) if k % 3 else (4, 5)).astype(np.float32) for k in range(10)}
    nodes = [helper.make_node(op, list(feeds), [op]) for op in ("Sum", "Mean", "Max")]
    problems = run_both(graph_model(nodes, feeds, ["Sum", "Mean", "Max"]), feeds, backend="vulkan")
    assert not problems, "\n".join(problems)
