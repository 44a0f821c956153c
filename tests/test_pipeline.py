"""Placement, fallback, copy steps and the memory plan, proved with a toy backend.

The toy "device" supports only Add and Relu and keeps its own private arena, so
any data reaching it without on_copy_buffer would be garbage.
"""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from gpu_infer.backends.base import Backend, OpRegistry, Tensor
from gpu_infer.backends.cpu import CPUBackend
from gpu_infer.errors import UnsupportedOpError
from gpu_infer.frontend import graph_from_onnx
from gpu_infer.pipeline import prepare
from gpu_infer.backends.cpu.registry import NumpyExecution

TOY_REGISTRY = OpRegistry("toy")


@TOY_REGISTRY.register("Add")
class ToyAdd(NumpyExecution):
    def compute(self, a, b):
        return a + b


@TOY_REGISTRY.register("Relu")
class ToyRelu(NumpyExecution):
    def compute(self, x):
        return np.maximum(x, 0)


class ToyBackend(Backend):
    name = "toy"
    registry = TOY_REGISTRY

    def __init__(self):
        self.copies: list[tuple[str, str, str]] = []
        self._arena = np.zeros(0, np.uint8)
        super().__init__("fp32")

    def _allocate_arena(self, nbytes):
        self._arena = np.full(nbytes, 0xCD, np.uint8)      # garbage until written

    def _bind_dynamic(self, t):
        return self._arena[t.offset:t.offset + t.nbytes].view(t.dtype).reshape(t.shape)

    def _allocate_separate(self, t):
        return (np.array(t.constant, dtype=t.dtype) if t.constant is not None
                else np.zeros(t.shape, t.dtype))

    def on_copy_buffer(self, src: Tensor, dst: Tensor) -> None:
        self.copies.append((src.name, src.backend.name, dst.backend.name))
        np.copyto(dst.handle, src.handle)


def _model(nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def _vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


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


def test_fallback_places_nodes_and_copies_every_crossing():
    toy, cpu = ToyBackend(), CPUBackend()
    plan = prepare(graph_from_onnx(mixed_model()), {"x": (2, 4)}, [toy, cpu], optimize_graph=False)
    assert [(name, b) for name, _, b in plan.placement] == [
        ("relu1", "toy"), ("sig", "cpu"), ("add", "toy"), ("relu2", "toy")]
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    (y,) = plan.run({"x": x})
    np.testing.assert_allclose(y, reference(x), rtol=1e-6)
    # x in, a out, b in, y out: four crossings, each through on_copy_buffer
    assert toy.copies == [("x", "cpu", "toy"), ("a", "toy", "cpu"), ("b", "cpu", "toy"), ("y", "toy", "cpu")]
    assert [s.label for s in plan.steps if s.is_copy] == [
        "copy:x cpu->toy", "copy:a toy->cpu", "copy:b cpu->toy", "copy:y toy->cpu"]


def test_strict_refuses_and_names_every_unsupported_node():
    with pytest.raises(UnsupportedOpError) as err:
        prepare(graph_from_onnx(mixed_model()), {"x": (2, 4)}, [ToyBackend(), CPUBackend()],
                strict=True, optimize_graph=False)
    assert "Sigmoid node 'sig'" in str(err.value) and "strict" in str(err.value)


def test_cpu_only_needs_no_copies():
    cpu = CPUBackend()
    plan = prepare(graph_from_onnx(mixed_model()), {"x": (2, 4)}, [cpu], optimize_graph=False)
    assert not [s for s in plan.steps if s.is_copy]
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(plan.run({"x": x})[0], reference(x), rtol=1e-6)


def test_memory_plan_reuses_dead_tensors():
    n = 12
    nodes = [helper.make_node("Relu" if i % 2 else "Sigmoid", [f"t{i}"], [f"t{i + 1}"], name=f"n{i}")
             for i in range(n)]
    model = _model(nodes, [_vi("t0", [64, 64])], [_vi(f"t{n}", [64, 64])])
    plan = prepare(graph_from_onnx(model), {"t0": (64, 64)}, [CPUBackend()], optimize_graph=False)
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


def test_runs_are_repeatable_and_outputs_are_copies():
    plan = prepare(graph_from_onnx(mixed_model()), {"x": (2, 4)}, [ToyBackend(), CPUBackend()],
                   optimize_graph=False)
    x1 = np.ones((2, 4), np.float32)
    x2 = -np.ones((2, 4), np.float32)
    y1 = plan.run({"x": x1})[0]
    y2 = plan.run({"x": x2})[0]
    np.testing.assert_allclose(y1, reference(x1), rtol=1e-6)
    np.testing.assert_allclose(y2, reference(x2), rtol=1e-6)
