"""Loading never reads outside the model's folder, never blocks, never reads more than a tensor declares,
and malformed tensor data ends in a ModelLoadError naming the tensor."""
from __future__ import annotations

import os
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.errors import ModelLoadError
from gpu_infer.frontend import graph_from_onnx, load_model
from helpers import ort_run

SECRET = np.array([7.0, 7.0, 7.0, 7.0], np.float32)        # what must never come back


def add_model(initializer: TensorProto | None = None, sparse: onnx.SparseTensorProto | None = None,
              nodes: list[onnx.NodeProto] | None = None) -> onnx.ModelProto:
    """y = x + w over 4 floats, w an initializer, a sparse initializer, or a Constant node."""
    graph = helper.make_graph(nodes or [helper.make_node("Add", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
                              [initializer] if initializer is not None else [],
                              sparse_initializer=[sparse] if sparse is not None else [])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def make_external(tensor: TensorProto, **entries: str) -> TensorProto:
    """`tensor` with its data moved to the external entries given (location, offset, length)."""
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.ClearField("int64_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in entries.items():
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def sparse_w(values_entries: dict | None = None, indices_entries: dict | None = None) -> onnx.SparseTensorProto:
    """w = [0, 1.5, 0, 2.5] as a sparse tensor; either part may be made external."""
    values = numpy_helper.from_array(np.array([1.5, 2.5], np.float32), "w")
    indices = numpy_helper.from_array(np.array([1, 3], np.int64), "w_indices")
    if values_entries:
        make_external(values, **values_entries)
    if indices_entries:
        make_external(indices, **indices_entries)
    return helper.make_sparse_tensor(values, indices, [4])


def save(model: onnx.ModelProto, folder) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def run_cpu(path_or_model) -> np.ndarray:
    (y,) = gpu_infer.InferenceSession(path_or_model, backend="cpu").run(None, {"x": np.zeros(4, np.float32)})
    return y


# ---------------------------------------------------------------- sparse tensors and Constant nodes

def test_sparse_initializer_with_external_data_inside_the_folder(tmp_path):
    (tmp_path / "values.bin").write_bytes(np.array([1.5, 2.5], np.float32).tobytes())
    path = save(add_model(sparse=sparse_w({"location": "values.bin", "offset": "0", "length": "8"})), tmp_path)
    np.testing.assert_array_equal(run_cpu(path), [0, 1.5, 0, 2.5])


@pytest.mark.parametrize("part", ["values", "indices"])
def test_sparse_external_data_is_not_read_from_the_working_directory(tmp_path, monkeypatch, part):
    """The file exists in the cwd but not in the model's folder: refused, never read."""
    cwd, folder = tmp_path / "cwd", tmp_path / "model"
    cwd.mkdir()
    (cwd / "secret.bin").write_bytes(SECRET.tobytes() if part == "values" else np.array([0, 1], np.int64).tobytes())
    monkeypatch.chdir(cwd)
    entries = {"location": "secret.bin", "offset": "0"}
    sparse = sparse_w(values_entries=entries) if part == "values" else sparse_w(indices_entries=entries)
    path = save(add_model(sparse=sparse), folder)
    with pytest.raises(ModelLoadError, match="not found"):
        run_cpu(path)
    with pytest.raises(ModelLoadError, match="external data was not loaded"):
        graph_from_onnx(onnx.load(path, load_external_data=False))     # no path from the IR either


def test_sparse_external_data_escaping_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.bin").write_bytes(SECRET.tobytes())
    path = save(add_model(sparse=sparse_w({"location": "../secret.bin"})), tmp_path / "model")
    with pytest.raises(ModelLoadError, match=r"'\.\.' in a location is refused"):
        run_cpu(path)


def test_constant_sparse_value_with_external_data_is_confined(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.bin").write_bytes(SECRET.tobytes())
    nodes = [helper.make_node("Constant", [], ["w"], sparse_value=sparse_w({"location": "secret.bin"})),
             helper.make_node("Add", ["x", "w"], ["y"])]
    path = save(add_model(nodes=nodes), tmp_path / "model")
    with pytest.raises(ModelLoadError, match="not found"):
        run_cpu(path)


def test_constant_sparse_value_matches_onnxruntime():
    nodes = [helper.make_node("Constant", [], ["w"], sparse_value=sparse_w()),
             helper.make_node("Add", ["x", "w"], ["y"])]
    model = add_model(nodes=nodes)
    x = {"x": np.arange(4, dtype=np.float32)}
    (want,) = ort_run(model.SerializeToString(), x)
    (got,) = gpu_infer.InferenceSession(model, backend="cpu").run(None, x)
    np.testing.assert_array_equal(got, want)


def test_sparse_index_out_of_range():
    sparse = sparse_w()
    sparse.indices.CopyFrom(numpy_helper.from_array(np.array([1, 9], np.int64), "w_indices"))
    with pytest.raises(ModelLoadError, match="'w'"):
        graph_from_onnx(add_model(sparse=sparse))


# ---------------------------------------------------------------- what kind of file

def external_w(folder, location: str = "w.bin", data: bytes | None = SECRET.tobytes(), **entries: str) -> str:
    """A model in `folder` whose initializer w (4 floats) is external at `location`."""
    os.makedirs(folder, exist_ok=True)
    if data is not None:
        with open(os.path.join(folder, location), "wb") as f:
            f.write(data)
    w = make_external(numpy_helper.from_array(np.zeros(4, np.float32), "w"), location=location, **entries)
    return save(add_model(w), folder)


def test_hard_link_to_a_file_outside_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.bin"
    outside.write_bytes(SECRET.tobytes())
    path = external_w(tmp_path / "model", data=None)
    os.link(outside, tmp_path / "model" / "w.bin")
    with pytest.raises(ModelLoadError, match="hard link"):
        run_cpu(path)


def test_device_as_model_is_refused():
    with pytest.raises(ModelLoadError, match="character device"):
        gpu_infer.InferenceSession("/dev/zero", backend="cpu")


def test_directory_as_model_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="directory"):
        load_model(tmp_path)


def _finishes(fn, seconds: float = 20.0) -> BaseException | None:
    """Run fn in a thread; fail if it blocks. Returns what it raised."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            fn()
            outcome.append(None)
        except BaseException as exc:   # noqa: BLE001  (handed back to the test)
            outcome.append(exc)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "loading blocked"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_as_model_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.onnx"
    os.mkfifo(fifo)
    exc = _finishes(lambda: load_model(fifo))
    assert isinstance(exc, ModelLoadError) and "FIFO" in str(exc)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_as_external_data_is_refused_without_blocking(tmp_path):
    path = external_w(tmp_path, data=None)
    os.mkfifo(tmp_path / "w.bin")
    exc = _finishes(lambda: load_model(path))
    assert isinstance(exc, ModelLoadError) and "FIFO" in str(exc)


def test_symlink_inside_the_folder_to_a_device_is_refused(tmp_path):
    path = external_w(tmp_path, data=None)
    os.symlink("/dev/zero", tmp_path / "w.bin")
    with pytest.raises(ModelLoadError, match="outside the model's folder"):
        load_model(path)


def test_directory_as_external_data_is_refused(tmp_path):
    path = external_w(tmp_path, data=None)
    (tmp_path / "w.bin").mkdir()
    with pytest.raises(ModelLoadError, match="directory"):
        load_model(path)


# ---------------------------------------------------------------- reads bounded by the declared size

def test_huge_external_file_without_length_reads_only_the_declared_bytes(tmp_path):
    """An 8 GiB (sparse) file and no length: only the 16 bytes w declares are read."""
    path = external_w(tmp_path, data=None)
    with open(tmp_path / "w.bin", "wb") as f:
        f.write(np.array([1, 2, 3, 4], np.float32).tobytes())
        f.truncate(8 << 30)
    np.testing.assert_array_equal(run_cpu(path), [1, 2, 3, 4])


def test_external_offset_reads_the_right_bytes(tmp_path):
    data = np.arange(8, dtype=np.float32).tobytes()
    np.testing.assert_array_equal(run_cpu(external_w(tmp_path, data=data, offset="16")), [4, 5, 6, 7])


@pytest.mark.parametrize("entries,message", [
    ({"length": "8"}, "length 8 disagrees with the 16 bytes"),
    ({"length": "32"}, "length 32 disagrees with the 16 bytes"),
    ({"offset": "8"}, "shorter than offset 8 \\+ size 16"),
    ({"offset": "-4"}, "offset -4 is negative"),
    ({"length": "-16"}, "length -16 is negative"),
    ({"offset": "abc"}, "offset 'abc' is not an integer"),
    ({"length": "16.0"}, "length '16.0' is not an integer"),
])
def test_bad_external_offset_or_length(tmp_path, entries, message):
    path = external_w(tmp_path, **entries)
    with pytest.raises(ModelLoadError, match=f"tensor 'w'.*{message}"):
        load_model(path)


def test_string_tensor_cannot_be_external(tmp_path):
    w = make_external(helper.make_tensor("w", TensorProto.STRING, [1], [b"a"]), location="w.bin")
    (tmp_path / "w.bin").write_bytes(b"abcd")
    graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                              [helper.make_tensor_value_info("y", TensorProto.STRING, [1])], [w])
    path = save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path)
    with pytest.raises(ModelLoadError, match="'w'.*string tensors cannot be"):
        load_model(path)


# ---------------------------------------------------------------- inline data that disagrees with dims

@pytest.mark.parametrize("extra", [b"\0" * 8, -4])
def test_raw_data_length_must_match_dims(extra):
    w = numpy_helper.from_array(np.ones(4, np.float32), "w")
    w.raw_data = w.raw_data + extra if isinstance(extra, bytes) else w.raw_data[:extra]
    model = add_model(w)
    for load in (graph_from_onnx, gpu_infer.InferenceSession):
        with pytest.raises(ModelLoadError, match="'w'"):
            load(model)


@pytest.mark.parametrize("count", [3, 5])
def test_typed_data_count_must_match_dims(count):
    w = helper.make_tensor("w", TensorProto.FLOAT, [count], np.ones(count, np.float32))
    w.dims[:] = [4]
    model = add_model(w)
    for load in (graph_from_onnx, gpu_infer.InferenceSession):
        with pytest.raises(ModelLoadError, match="'w'"):
            load(model)


def test_attribute_tensor_with_wrong_size_names_the_node():
    value = numpy_helper.from_array(np.ones(4, np.float32), "c")
    value.raw_data = value.raw_data[:6]
    nodes = [helper.make_node("Constant", [], ["w"], value=value, name="const_w"),
             helper.make_node("Add", ["x", "w"], ["y"])]
    with pytest.raises(ModelLoadError, match="Constant node 'const_w', attribute 'value'.*raw_data holds 6 bytes"):
        graph_from_onnx(add_model(nodes=nodes))
