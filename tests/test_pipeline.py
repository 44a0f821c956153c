"""The planner and the backend contract (v2), proved with a toy backend.

The toy "device" keeps its own arena filled with garbage, so any data reaching it without
on_copy_buffer, or any overlap the planner allowed by mistake, shows in the results. It
stores floats as FP16 at its fp16 precision (integers stay exact), runs Relu in the packed
NC4HW4 layout, fuses only Relu into its Gemm, and declares scratch for its Softmax.
"""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.backends.base import (Backend, Execution, Layout, OpRegistry, StorageType, Tensor, TensorFormat,
                                     Workspace)
from gpu_infer.backends.cpu import CPUBackend
from gpu_infer.backends.layout import from_storage, to_storage
from gpu_infer.backends.views import register_views
from gpu_infer.errors import UnsupportedOpError
from gpu_infer.frontend import graph_from_onnx
from gpu_infer.pipeline import PlanCache, plan_builder, prepare

TOY_REGISTRY = OpRegistry("toy")
register_views(TOY_REGISTRY)


def logical(t: Tensor) -> np.ndarray:
    """A toy tensor's value, read from its storage."""
    return from_storage(t.handle, t.fmt, tuple(t.shape)).astype(t.dtype)


def store(t: Tensor, value: np.ndarray) -> None:
    t.handle[...] = to_storage(np.asarray(value, t.dtype).reshape(t.shape), t.fmt).reshape(t.handle.shape)


class ToyExecution(Execution):
    def on_execute(self, inputs, outputs):
        self.backend.executed.append(self.node.name)
        results = self.compute(*[logical(t) if t is not None else None for t in inputs])
        store(outputs[0], results)


@TOY_REGISTRY.register("Add", "Sub")
class ToyBinary(ToyExecution):
    @classmethod
    def supports(cls, node, inputs, outputs):
        return all(t.dtype.kind in "fiu" for t in inputs + outputs)

    def compute(self, a, b):
        return a + b if self.node.op_type == "Add" else a - b


@TOY_REGISTRY.register("Relu")
class ToyPackedRelu(ToyExecution):
    """Reads and writes the channel-packed layout (for rank 4)."""

    def input_format(self, index, tensor):
        return TensorFormat(self.backend.storage_dtype(tensor.dtype, self.precision),
                            Layout.NC4HW4 if len(tensor.shape) == 4 else Layout.PLAIN)

    output_format = input_format

    def on_execute(self, inputs, outputs):
        self.backend.executed.append(self.node.name)
        outputs[0].handle[...] = np.maximum(inputs[0].handle, 0)       # elementwise on the packed storage


@TOY_REGISTRY.register("Gemm")
class ToyGemm(ToyExecution):
    activations = frozenset({"Relu"})

    def compute(self, a, b, c=None):
        y = a @ b + (0 if c is None else c)
        return np.maximum(y, 0) if self.node.activation is not None else y


@TOY_REGISTRY.register("Softmax")
class ToySoftmax(ToyExecution):
    """Keeps exp(x) in declared scratch: if the planner overlapped it with a live tensor, the
    result would be wrong."""

    def scratch_bytes(self, inputs, outputs):
        return [inputs[0].size * 4]

    def on_execute(self, inputs, outputs):
        self.backend.executed.append(self.node.name)
        x = logical(inputs[0]).astype(np.float32)
        tmp = self.scratch_tensors[0].handle.view(np.float32).reshape(x.shape)
        np.exp(x - x.max(axis=-1, keepdims=True), out=tmp)
        tmp /= tmp.sum(axis=-1, keepdims=True)
        store(outputs[0], tmp)


class ToyBackend(Backend):
    name = "toy"
    registry = TOY_REGISTRY

    def __init__(self, precision: str = "fp32"):
        super().__init__(precision)
        self.copies: list[tuple[str, str, str]] = []
        self.executed: list[str] = []

    def storage_dtype(self, dtype, precision=None):
        fp16 = (precision or self.precision).startswith("fp16")
        return np.dtype(np.float16) if fp16 and np.dtype(dtype).kind == "f" else np.dtype(dtype)

    def _upload_constant(self, data, what):
        return data.copy()

    def create_workspace(self):
        return ToyWorkspace(self)


class ToyWorkspace(Workspace):
    def _allocate_arena(self, nbytes):
        self.arena = np.full(nbytes, 0xCD, np.uint8)              # garbage until written

    def _bind_dynamic(self, t):
        return self.arena[t.offset:t.offset + t.storage_nbytes].view(t.store_dtype).reshape(t.storage_shape)

    def _allocate_separate(self, t):
        return np.zeros(t.storage_shape, t.store_dtype)

    def bind_view(self, view):
        return view.root.handle.reshape(view.shape)

    def on_copy_buffer(self, src, dst):
        self.backend.copies.append((src.name, src.backend.name, dst.backend.name))
        value = logical(src) if src.backend is self.backend else np.asarray(src.handle)
        if dst.backend is self.backend:
            store(dst, value)
        else:
            np.copyto(dst.handle, value.reshape(dst.shape), casting="unsafe")


def _model(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def _plan(model, shapes, *backends, **kw):
    return prepare(graph_from_onnx(model), shapes, list(backends), **kw)


def mixed_model():
    """x -> Relu (toy) -> Sigmoid (cpu only) -> Add with a weight (toy) -> Relu (toy) -> y."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [4], [1.0, -2.0, 0.5, 3.0])
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="relu1"),
             helper.make_node("Sigmoid", ["a"], ["b"], name="sig"),
             helper.make_node("Add", ["b", "w"], ["c"], name="add"),
             helper.make_node("Relu", ["c"], ["y"], name="relu2")]
    return _model(nodes, [_vi("x", [2, 4])], [_vi("y", [2, 4])], [w])


def reference(x):
    a = np.maximum(x, 0)
    b = 1 / (1 + np.exp(-a))
    return np.maximum(b + np.array([1.0, -2.0, 0.5, 3.0], np.float32), 0)


# -- placement, fallback, copies ------------------------------------------------------------
def test_fallback_places_nodes_and_copies_every_crossing():
    toy = ToyBackend()
    plan = _plan(mixed_model(), {"x": (2, 4)}, toy, CPUBackend(), optimize_graph=False)
    assert [(name, b) for name, _, b in plan.placement] == [
        ("relu1", "toy"), ("sig", "cpu"), ("add", "toy"), ("relu2", "toy")]
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    (y,) = plan.run({"x": x})
    np.testing.assert_allclose(y, reference(x), rtol=1e-6)
    # x in, a out, b in, y out: four crossings, each through on_copy_buffer
    assert toy.copies == [("x", "cpu", "toy"), ("a", "toy", "cpu"), ("b", "cpu", "toy"), ("y", "toy", "cpu")]
    assert plan.copy_labels == ["copy:x cpu->toy", "copy:a toy->cpu", "copy:b cpu->toy", "copy:y toy->cpu"]


def test_strict_refuses_and_names_every_unsupported_node_with_the_reason():
    with pytest.raises(UnsupportedOpError) as err:
        _plan(mixed_model(), {"x": (2, 4)}, ToyBackend(), CPUBackend(), strict=True, optimize_graph=False)
    assert "Sigmoid node 'sig'" in str(err.value) and "strict" in str(err.value)
    assert "no toy kernel for Sigmoid" in str(err.value)


def test_cpu_only_needs_no_copies():
    plan = _plan(mixed_model(), {"x": (2, 4)}, CPUBackend(), optimize_graph=False)
    assert not [s for s in plan.steps if s.is_copy]
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(plan.run({"x": x})[0], reference(x), rtol=1e-6)


def test_runs_are_repeatable_and_outputs_are_copies():
    plan = _plan(mixed_model(), {"x": (2, 4)}, ToyBackend(), CPUBackend(), optimize_graph=False)
    x1, x2 = np.ones((2, 4), np.float32), -np.ones((2, 4), np.float32)
    y1 = plan.run({"x": x1})[0]
    y2 = plan.run({"x": x2})[0]
    np.testing.assert_allclose(y1, reference(x1), rtol=1e-6)
    np.testing.assert_allclose(y2, reference(x2), rtol=1e-6)


# -- memory -------------------------------------------------------------------------------
def test_memory_plan_reuses_dead_tensors():
    n = 12
    nodes = [helper.make_node("Relu" if i % 2 else "Sigmoid", [f"t{i}"], [f"t{i + 1}"], name=f"n{i}")
             for i in range(n)]
    model = _model(nodes, [_vi("t0", [64, 64])], [_vi(f"t{n}", [64, 64])])
    plan = _plan(model, {"t0": (64, 64)}, CPUBackend(), optimize_graph=False)
    mem = plan.memory
    one = 64 * 64 * 4
    # input and output are kept apart; the 11 intermediates need only two live buffers at a time
    assert mem.naive_bytes == (n + 1) * one
    assert mem.per_backend["cpu"]["arena_bytes"] == 2 * one
    assert mem.planned_bytes == 4 * one
    x = np.random.default_rng(1).standard_normal((64, 64)).astype(np.float32)
    want = x
    for i in range(n):
        want = np.maximum(want, 0) if i % 2 else 1 / (1 + np.exp(-want))
    np.testing.assert_allclose(plan.run({"t0": x})[0], want, rtol=1e-5)


def test_scratch_is_planned_in_the_arena_and_reported():
    """(a) Softmax's declared scratch lives in the arena during its step only; reported."""
    nodes = [helper.make_node("Add", ["x", "x"], ["a"], name="a1"),
             helper.make_node("Softmax", ["a"], ["s"], name="sm"),
             helper.make_node("Add", ["s", "a"], ["y"], name="a2")]
    model = _model(nodes, [_vi("x", [8, 33])], [_vi("y", [8, 33])])
    toy = ToyBackend()
    plan = _plan(model, {"x": (8, 33)}, toy, CPUBackend(), strict=True, optimize_graph=False)
    x = np.random.default_rng(2).standard_normal((8, 33)).astype(np.float32)
    a = x + x
    e = np.exp(a - a.max(-1, keepdims=True))
    np.testing.assert_allclose(plan.run({"x": x})[0], e / e.sum(-1, keepdims=True) + a, rtol=1e-5)
    row = plan.memory.per_backend["toy"]
    assert row["scratch_bytes"] >= 8 * 33 * 4 and plan.memory.scratch_bytes >= row["scratch_bytes"]
    # a and the scratch are live together: the arena holds both, plus s
    assert row["arena_bytes"] >= 3 * 8 * 33 * 4


# -- storage dtype per tensor, pinning ----------------------------------------------------
def test_floats_follow_the_precision_and_integers_stay_exact():
    """(b) fp16 storage for floats, exact int64 (values beyond float16's range survive)."""
    nodes = [helper.make_node("Add", ["f", "f"], ["fy"], name="fadd"),
             helper.make_node("Add", ["i", "i"], ["iy"], name="iadd")]
    model = _model(nodes, [_vi("f", [5]), _vi("i", [5], TensorProto.INT64)],
                   [_vi("fy", [5]), _vi("iy", [5], TensorProto.INT64)])
    toy = ToyBackend("fp16-storage")
    plan = _plan(model, {"f": (5,), "i": (5,)}, toy, CPUBackend(), strict=True)
    f = np.array([1.0, 1 / 3, 1000.1, -2.5, 3e-3], np.float32)
    i = np.array([2**40 + 1, -7, 0, 2**53 + 3, 65505], np.int64)
    fy, iy = plan.run({"f": f, "i": i})
    np.testing.assert_array_equal(iy, i + i)                       # exact
    np.testing.assert_allclose(fy, f + f, rtol=1e-3)              # fp16
    assert not np.array_equal(fy, f + f)
    tensors = {t.name: t for s in plan.steps for t in s.inputs + s.outputs if t is not None and t.backend is toy}
    assert tensors["iy"].store_dtype == np.int64 and tensors["fy"].store_dtype == np.float16


def test_a_node_pinned_to_fp32_gets_fp32_tensors_and_conversions():
    nodes = [helper.make_node("Add", ["x", "w"], ["a"], name="add16"),
             helper.make_node("Sub", ["a", "w"], ["y"], name="sub32")]
    w = numpy_helper.from_array(np.full(4, 1e-3, np.float32), "w")
    model = _model(nodes, [_vi("x", [4])], [_vi("y", [4])], [w])
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    toy = ToyBackend("fp16-storage")
    plan = _plan(model, {"x": (4,)}, toy, CPUBackend(), strict=True, fp32_nodes={"sub32"})
    labels = plan.copy_labels
    assert "convert:a toy float16/plain->float32/plain" in labels      # fp16 output -> fp32 input
    tensors = {(t.name, t.store_dtype.name) for s in plan.steps for t in s.outputs if t is not None}
    assert ("y", "float32") in tensors and ("a", "float16") in tensors
    np.testing.assert_allclose(plan.run({"x": x})[0], (x + 1e-3).astype(np.float16).astype(np.float32) - 1e-3,
                               rtol=1e-6)


# -- layout per tensor ----------------------------------------------------------------------
def test_layouts_are_converted_only_where_producer_and_consumer_disagree():
    """(c) Relu runs packed: one conversion in front of the two Relus, one behind; host
    copies convert inside on_copy_buffer (x goes up straight into the packed layout)."""
    nodes = [helper.make_node("Relu", ["x"], ["r1"], name="relu1"),
             helper.make_node("Relu", ["r1"], ["r2"], name="relu2"),
             helper.make_node("Add", ["r2", "x"], ["y"], name="add")]
    model = _model(nodes, [_vi("x", [2, 6, 3, 5])], [_vi("y", [2, 6, 3, 5])])
    toy = ToyBackend()
    plan = _plan(model, {"x": (2, 6, 3, 5)}, toy, CPUBackend(), strict=True, optimize_graph=False)
    assert plan.copy_labels == ["copy:x cpu->toy", "convert:r2 toy float32/nc4hw4->float32/plain",
                                "copy:x cpu->toy", "copy:y toy->cpu"]
    packed = [t for s in plan.steps if not s.is_copy for t in s.outputs if t is not None and t.layout is Layout.NC4HW4]
    assert {t.name for t in packed} == {"r1", "r2"}
    assert packed[0].storage_shape == (2, 2, 3, 5, 4)
    x = np.random.default_rng(3).standard_normal((2, 6, 3, 5)).astype(np.float32)
    np.testing.assert_allclose(plan.run({"x": x})[0], np.maximum(x, 0) + x, rtol=1e-6)


# -- views -------------------------------------------------------------------------------
def test_reshape_family_are_views_without_kernel_or_memory():
    """(d) Reshape, Flatten, Unsqueeze, Squeeze, Identity alias their input."""
    shape = numpy_helper.from_array(np.array([4, 6], np.int64), "shape")
    axes = numpy_helper.from_array(np.array([0], np.int64), "axes")
    nodes = [helper.make_node("Add", ["x", "x"], ["a"], name="add1"),
             helper.make_node("Reshape", ["a", "shape"], ["r"], name="reshape"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=0),
             helper.make_node("Unsqueeze", ["f", "axes"], ["u"], name="unsq"),
             helper.make_node("Squeeze", ["u", "axes"], ["s"], name="sq"),
             helper.make_node("Identity", ["s"], ["i"], name="ident"),
             helper.make_node("Add", ["i", "i"], ["y"], name="add2")]
    model = _model(nodes, [_vi("x", [2, 3, 4])], [_vi("y", [1, 24])], [shape, axes])
    toy = ToyBackend()
    plan = _plan(model, {"x": (2, 3, 4)}, toy, CPUBackend(), strict=True, optimize_graph=False)
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    (y,) = plan.run({"x": x})
    np.testing.assert_array_equal(y, (4 * x).reshape(1, 24))
    assert toy.executed == ["add1", "add2"]                   # no kernel for the views
    assert [s.label for s in plan.steps if s.is_view] == ["Reshape:reshape", "Flatten:flatten",
                                                          "Unsqueeze:unsq", "Squeeze:sq", "Identity:ident"]
    one = 24 * 4
    assert plan.memory.per_backend["toy"]["naive_bytes"] == 3 * one          # x, a, y: no view bytes
    assert plan.memory.per_backend["toy"]["arena_bytes"] <= 2 * 128 + one


def test_a_view_of_a_graph_input_that_is_a_graph_output():
    nodes = [helper.make_node("Flatten", ["x"], ["y"], name="flat")]
    model = _model(nodes, [_vi("x", [2, 3])], [_vi("y", [2, 3])])
    plan = _plan(model, {"x": (2, 3)}, CPUBackend())
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    (y,) = plan.run({"x": x})
    x += 1                                                   # the result is a copy
    np.testing.assert_array_equal(y, np.arange(6).reshape(2, 3))


# -- fused activations -------------------------------------------------------------------
@pytest.mark.parametrize("act, ok", [("Relu", True), ("Sigmoid", False)])
def test_executions_declare_the_activations_they_fuse(act, ok):
    """(e) The optimizer fuses the activation into Gemm; the toy Gemm runs only Relu."""
    b = numpy_helper.from_array(np.random.default_rng(4).standard_normal((3, 5)).astype(np.float32), "b")
    nodes = [helper.make_node("Gemm", ["a", "b"], ["g"], name="gemm"), helper.make_node(act, ["g"], ["y"])]
    model = _model(nodes, [_vi("a", [2, 3])], [_vi("y", [2, 5])], [b])
    if not ok:
        with pytest.raises(UnsupportedOpError, match="fused Sigmoid activation not supported"):
            _plan(model, {"a": (2, 3)}, ToyBackend(), CPUBackend(), strict=True)
        return
    plan = _plan(model, {"a": (2, 3)}, ToyBackend(), CPUBackend(), strict=True)
    assert [op for _, op, _ in plan.placement] == ["Gemm"]
    a = np.random.default_rng(5).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(plan.run({"a": a})[0], np.maximum(a @ numpy_helper.to_array(b), 0), rtol=1e-5)


# -- weights prepared once per session ----------------------------------------------------
def test_a_second_input_shape_uploads_no_weight():
    w = numpy_helper.from_array(np.arange(4, dtype=np.float32), "w")
    nodes = [helper.make_node("Add", ["x", "w"], ["a"], name="add"), helper.make_node("Sub", ["a", "w"], ["y"])]
    model = _model(nodes, [_vi("x", ["n", 4])], [_vi("y", ["n", 4])], [w])
    toy = ToyBackend()
    cache = PlanCache(graph_from_onnx(model), plan_builder([toy, CPUBackend()], strict=True))
    for n in (1, 3, 1, 7):
        x = np.full((n, 4), 2.0, np.float32)
        np.testing.assert_array_equal(cache.run({"x": x}), [x])
    assert toy.uploads == 1 and len(cache.plans()) == 3


def test_session_counts_uploads_per_backend_across_shapes():
    """The same through the public session, on the shipped classifier's 100+ weights."""
    from helpers import CLS_MODEL
    sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu")
    (cpu,) = sess.backends
    sess.run(None, {"x": np.zeros((1, 3, 48, 192), np.float32)})
    first = cpu.uploads
    sess.run(None, {"x": np.zeros((2, 3, 48, 320), np.float32)})
    assert first > 50 and cpu.uploads == first


# -- value-dependent shapes ------------------------------------------------------------------
def test_nonzero_and_what_follows_work_on_any_data():
    nodes = [helper.make_node("NonZero", ["x"], ["nz"], name="nz"),
             helper.make_node("Transpose", ["nz"], ["t"], perm=[1, 0]),
             helper.make_node("Add", ["x", "x"], ["y"], name="add")]
    model = _model(nodes, [_vi("x", [3, 4])], [helper.make_tensor_value_info("t", TensorProto.INT64, ["k", 2]),
                                               _vi("y", [3, 4])])
    sess = gpu_infer.InferenceSession(model, backend="cpu", strict=True)
    rng = np.random.default_rng(6)
    for density in (0.0, 0.3, 1.0, 0.5):
        x = (rng.random((3, 4)) < density).astype(np.float32) * rng.standard_normal((3, 4)).astype(np.float32)
        t, y = sess.run(None, {"x": x})
        np.testing.assert_array_equal(t, np.argwhere(x))
        np.testing.assert_array_equal(y, x + x)


def test_a_shape_computed_from_data_is_planned_in_a_later_stage():
    """Reshape's target and Range's limit come from the data: each distinct value gets its plan."""
    nodes = [helper.make_node("ReduceMax", ["n"], ["m"], keepdims=0),
             helper.make_node("Range", ["zero", "m", "one"], ["r"]),
             helper.make_node("Reshape", ["x", "target"], ["y"]),
             helper.make_node("Cast", ["n"], ["target"], to=TensorProto.INT64)]
    nodes = [nodes[0], nodes[3], nodes[1], nodes[2]]
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array(1, np.int64), "one")]
    model = _model(nodes, [_vi("x", [12]), _vi("n", [2], TensorProto.INT64)],
                   [helper.make_tensor_value_info("r", TensorProto.INT64, ["k"]),
                    helper.make_tensor_value_info("y", TensorProto.FLOAT, ["a", "b"])], inits)
    sess = gpu_infer.InferenceSession(model, backend="cpu", strict=True)
    x = np.arange(12, dtype=np.float32)
    for shape in ([3, 4], [2, 6], [3, 4], [12, 1]):
        r, y = sess.run(None, {"x": x, "n": np.array(shape, np.int64)})
        np.testing.assert_array_equal(r, np.arange(max(shape)))
        np.testing.assert_array_equal(y, x.reshape(shape))


def test_strict_gpu_session_refuses_host_stage_nodes():
    nodes = [helper.make_node("NonZero", ["x"], ["y"], name="nz")]
    model = _model(nodes, [_vi("x", [3])], [helper.make_tensor_value_info("y", TensorProto.INT64, [1, "k"])])
    toy = ToyBackend()
    cache = PlanCache(graph_from_onnx(model), plan_builder([toy, CPUBackend()], strict=True))
    with pytest.raises(UnsupportedOpError, match="NonZero node 'nz'.*depends on values"):
        cache.run({"x": np.ones(3, np.float32)})
    loose = PlanCache(graph_from_onnx(model), plan_builder([toy, CPUBackend()], strict=False))
    np.testing.assert_array_equal(loose.run({"x": np.array([0, 2, 3], np.float32)})[0], [[1, 2]])


# -- the storage type enum stays what the planner relies on -----------------------------------
def test_storage_types():
    assert {s.value for s in StorageType} == {"dynamic", "static", "dynamic_separate"}
