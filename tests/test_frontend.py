"""Loading (paths, bytes, protos, external data kept inside the model's folder) and
specialization (shapes for every tensor, shape arithmetic folded)."""
from __future__ import annotations

import os
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.errors import ModelLoadError
from gpu_infer.frontend import graph_from_onnx, load_model, specialize


def add_model(weight: np.ndarray) -> onnx.ModelProto:
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(weight.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(weight.shape))],
                              [numpy_helper.from_array(weight, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def external(model: onnx.ModelProto, folder, location: str) -> str:
    """Save `model` with its weight outside the protobuf at `location` (relative to folder)."""
    tensor = model.graph.initializer[0]
    data = numpy_helper.to_array(tensor).tobytes()
    target = os.path.normpath(os.path.join(folder, location))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
    tensor.ClearField("float_data")
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(len(data)))):
        entry = tensor.external_data.add()
        entry.key, entry.value = k, v
    path = os.path.join(folder, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def test_external_data_inside_the_folder_loads(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = external(add_model(w), tmp_path, "weights/w.bin")
    x = np.ones((2, 3), np.float32)
    (y,) = gpu_infer.InferenceSession(path, backend="cpu").run(None, {"x": x})
    np.testing.assert_array_equal(y, x + w)


@pytest.mark.parametrize("location", ["../secret.bin", "weights/../../secret.bin", "/etc/passwd"])
def test_external_data_escaping_the_folder_is_refused(tmp_path, location):
    inner = tmp_path / "model"
    inner.mkdir()
    w = np.ones((2, 3), np.float32)
    if location.startswith("/"):
        path = external(add_model(w), inner, "w.bin")
        proto = onnx.load(path, load_external_data=False)
        proto.graph.initializer[0].external_data[0].value = location
        path = str(inner / "evil.onnx")
        onnx.save(proto, path)
    else:
        path = external(add_model(w), inner, location)
    with pytest.raises(ModelLoadError, match="refused|outside"):
        gpu_infer.InferenceSession(path, backend="cpu")


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.bin"
    inner = tmp_path / "model"
    inner.mkdir()
    path = external(add_model(np.ones((2, 3), np.float32)), inner, "w.bin")
    os.replace(inner / "w.bin", outside)
    os.symlink(outside, inner / "w.bin")
    with pytest.raises(ModelLoadError, match="outside"):
        load_model(path)


def test_truncated_external_data(tmp_path):
    path = external(add_model(np.ones((4, 4), np.float32)), tmp_path, "w.bin")
    with open(tmp_path / "w.bin", "r+b") as f:
        f.truncate(10)
    with pytest.raises(ModelLoadError, match="truncated"):
        load_model(path)


def test_bytes_with_external_data_need_a_base_dir(tmp_path):
    path = external(add_model(np.ones((2, 3), np.float32)), tmp_path, "w.bin")
    data = open(path, "rb").read()
    with pytest.raises(ModelLoadError, match="base_dir"):
        load_model(data)
    assert load_model(data, base_dir=tmp_path).graph.initializer[0].raw_data


def test_newer_opset_than_onnx_knows(tmp_path):
    model = add_model(np.ones((2,), np.float32))
    model.opset_import[0].version = onnx.defs.onnx_opset_version() + 5
    with pytest.raises(ModelLoadError, match="newer"):
        load_model(model.SerializeToString())


def test_specialize_folds_shape_arithmetic():
    """Shape -> Gather -> Unsqueeze -> Concat -> Reshape, ConstantOfShape and Range all fold."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "zero1"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"]),
        helper.make_node("ConstantOfShape", ["n1"], ["ones"], value=numpy_helper.from_array(np.ones(1, np.float32))),
        helper.make_node("Range", ["r0", "r1", "r2"], ["ramp"]),
        helper.make_node("Unsqueeze", ["ones", "one1"], ["ones2"]),
        helper.make_node("Mul", ["flat", "ones2"], ["y0"]),
        helper.make_node("Add", ["y0", "ramp"], ["y"]),
    ]
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "zero1"),
             numpy_helper.from_array(np.array([1], np.int64), "one1"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus1"),
             numpy_helper.from_array(np.array(0, np.float32), "r0"),
             numpy_helper.from_array(np.array(60, np.float32), "r1"),
             numpy_helper.from_array(np.array(1, np.float32), "r2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    g = specialize(graph_from_onnx(load_model(model)), {"x": (1, 3, 4, 5)})
    assert sorted(n.op_type for n in g.nodes) == ["Add", "Mul", "Reshape"]
    for name in ("flat", "y0", "y"):
        assert g.info(name).shape == (1, 60) and g.info(name).dtype == np.float32
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    (y,) = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": x})
    np.testing.assert_allclose(y, x.reshape(2, 60) + np.arange(60, dtype=np.float32))


def relu_chain(n: int) -> onnx.ModelProto:
    nodes = [helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"]) for i in range(n)]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 8])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _load_and_run_seconds(model: onnx.ModelProto) -> float:
    """Best of three: session creation (load, checks, specialize, optimize, plan) plus one run, in
    this process's CPU time (other processes on a loaded machine do not count)."""
    x = np.ones((1, 8), np.float32)
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        gpu_infer.InferenceSession(model, backend="cpu").run(None, {"t0": x})
        best = min(best, time.process_time() - start)
    return best


def test_load_time_grows_linearly_with_node_count():
    """A 4x longer chain may cost at most 8x (quadratic growth would cost 16x)."""
    _load_and_run_seconds(relu_chain(10))                 # imports and device probes out of the way
    small, large = _load_and_run_seconds(relu_chain(1000)), _load_and_run_seconds(relu_chain(4000))
    assert large < 10.0
    assert large / small < 8.0, f"1000 nodes: {small:.3f} s, 4000 nodes: {large:.3f} s"
