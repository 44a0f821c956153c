"""Scheme tuning (`gpu-infer bench --tune`): the fastest measured scheme is recorded under the
conventional keys, and a later plan picks it without measuring anything."""
from __future__ import annotations

import time

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper, save

import gpu_infer
from gpu_infer.backends.base import Backend, Execution, OpRegistry, Workspace
from gpu_infer.backends.cpu import CPUBackend
from gpu_infer.cli import main
from gpu_infer.frontend import graph_from_onnx
from gpu_infer.pipeline import prepare
from gpu_infer.scheduler import schemes
from gpu_infer.scheduler.schemes import Scheme, TuningCache
from gpu_infer.tune import check_used, tunable, tune_plan

ONCE = Scheme("add.once", cost=2e-3)
REPEATED = Scheme("add.repeated", (("times", 40),), cost=1e-3)     # the cost model wrongly prefers it

TOY = OpRegistry("toy")


@TOY.register("Add")
class ToyAdd(Execution):
    """Two schemes with the same result: one sum, or the same sum computed 40 times (single-threaded
    NumPy: a steady cost, unlike a BLAS product whose threads wake up at their own pace)."""

    def schemes(self, inputs, outputs):
        return [ONCE, REPEATED]

    def on_resize(self, inputs, outputs):
        self.scheme = schemes.choose_for(self, inputs, outputs)
        self.backend.chosen.append(self.scheme)

    def on_execute(self, inputs, outputs):
        self.backend.executed += 1
        for _ in range(self.scheme.param("times", 1)):
            np.add(inputs[0].handle, inputs[1].handle, out=outputs[0].handle)


class ToyBackend(Backend):
    name = "toy"
    registry = TOY

    def __init__(self):
        super().__init__("fp32")
        self.executed = 0
        self.chosen: list[Scheme] = []

    def _upload_constant(self, data, what):
        return data

    def create_workspace(self):
        return ToyWorkspace(self)


class ToyWorkspace(Workspace):
    """Host arrays; its 'device clock' is the time each step's work takes."""

    def _allocate_arena(self, nbytes):
        self.arena = np.zeros(nbytes, np.uint8)

    def _bind_dynamic(self, t):
        return self.arena[t.offset:t.offset + t.storage_nbytes].view(t.store_dtype).reshape(t.shape)

    def _allocate_separate(self, t):
        return np.zeros(t.shape, t.dtype)

    def on_copy_buffer(self, src, dst):
        np.copyto(dst.handle, np.asarray(src.handle).reshape(dst.shape))

    def run_timed(self, steps):
        seconds = []
        for step in steps:
            t0 = time.perf_counter()
            step.call()
            seconds.append(time.perf_counter() - t0)
        return seconds


N = 512


def add_model(n=N):
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((n, n)).astype(np.float32), "w")
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"], name="add")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, n])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.fixture
def tuning_cache(tmp_path, monkeypatch):
    """A tuning cache of this test's own, on disk in tmp_path."""
    monkeypatch.setenv("GPU_INFER_CACHE_DIR", str(tmp_path / "cache"))
    cache = TuningCache()
    monkeypatch.setattr(schemes, "TUNING", cache)
    return cache


def toy_plan(toy):
    return prepare(graph_from_onnx(add_model()), {"x": (N, N)}, [toy, CPUBackend()], strict=True)


# -- keys -------------------------------------------------------------------------------------------------------
def test_op_key_has_op_shapes_attributes_activation_and_precision():
    from gpu_infer.ir import Activation, Node
    from gpu_infer.backends.base import Tensor
    node = Node("Conv", ["x", "w", ""], ["y"], {"strides": [2, 2], "group": 1, "pads": np.zeros(4, np.int64)},
                name="c", activation=Activation("Clip", {"min": 0.0, "max": 6.0}))
    ins = [Tensor("x", (1, 3, 8, 8), np.dtype(np.float32)), Tensor("w", (4, 3, 3, 3), np.dtype(np.float32)), None]
    key = schemes.op_key(node, ins, "fp16-storage")
    assert key == ("Conv|float32[1,3,8,8] float32[4,3,3,3] -|group=1 pads=int64[4] strides=[2,2]"
                   "|act=Clip,max=6.0,min=0.0|fp16-storage")
    assert schemes.op_key(node, ins, "fp32") != key
    assert schemes.device_key(ToyBackend()) == "toy"


@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_device_key_is_device_vendor_driver_version(backend):
    sess = gpu_infer.InferenceSession(add_model(4), backend=backend)
    key = schemes.device_key(sess.backends[0])
    assert key == sess.backends[0].rt.describe() and len(key.split(" | ")) == 4


def test_choose_prefers_forced_then_tuned_then_the_estimate(tuning_cache):
    assert schemes.choose("d", "k", [ONCE, REPEATED]) == REPEATED            # cheapest estimate
    tuning_cache.record("d", "k", ONCE)
    assert TuningCache().lookup("d", "k") == ONCE                              # on disk
    with schemes.observing() as seen:
        assert schemes.choose("d", "k", [ONCE, REPEATED]) == ONCE
        assert schemes.choose("d", "k", [REPEATED]) == REPEATED               # a tuned scheme no longer offered
        with schemes.forcing({"k": REPEATED}):
            assert schemes.choose("d", "k", [ONCE, REPEATED]) == REPEATED
    assert [c.source for c in seen] == ["tuned", "estimate", "forced"]
    with pytest.raises(ValueError):
        schemes.choose("d", "k", [])


def test_a_corrupt_tuning_file_is_a_miss(tuning_cache, tmp_path):
    tuning_cache.record("d", "k", ONCE)
    for f in (tmp_path / "cache" / schemes.TUNING_KIND).iterdir():
        f.write_bytes(f.read_bytes()[:-3])
    assert TuningCache().lookup("d", "k") is None


# -- the tuner ------------------------------------------------------------------------------------------------
def test_tuner_records_the_fastest_and_a_later_plan_uses_it_without_measuring(tuning_cache):
    toy = ToyBackend()
    plan = toy_plan(toy)
    assert toy.chosen == [REPEATED]                              # before tuning: the cost model's pick
    (site,) = tunable(plan)
    (result,) = tune_plan(plan, repeats=3, progress=False)
    assert result.nodes == ["add"] and result.estimate == REPEATED and result.clock == "device"
    assert {m.scheme for m in result.measured} == {ONCE, REPEATED} and all(len(m.seconds) == 3 for m in result.measured)
    assert result.best == ONCE
    assert TuningCache().lookup("toy", site.op_key) == ONCE     # recorded on disk under the conventional keys

    later = ToyBackend()
    with schemes.observing() as choices:
        again = toy_plan(later)
    assert later.chosen == [ONCE] and later.executed == 0        # picked from the cache, nothing run to measure
    assert check_used([result], choices) == []
    x = np.random.default_rng(1).standard_normal((N, N)).astype(np.float32)
    np.testing.assert_array_equal(again.run({"x": x})[0], x + graph_from_onnx(add_model()).initializers["w"])
    (skipped,) = tune_plan(again, progress=False)               # already tuned: not measured again
    assert skipped.best is None and not skipped.measured and later.executed == 1


def test_tuner_reports_an_execution_that_ignores_the_keys(tuning_cache, monkeypatch):
    plan = toy_plan(ToyBackend())
    results = tune_plan(plan, repeats=1, progress=False)
    monkeypatch.setattr(ToyAdd, "on_resize", lambda self, i, o: setattr(self, "scheme", ONCE))
    with schemes.observing() as choices:
        toy_plan(ToyBackend())
    (problem,) = check_used(results, choices)
    assert "never asked for op key" in problem and "choose_for" in problem


# -- on the GPUs, through the command ---------------------------------------------------------------------------
ONE_PASS = Scheme("relu.passes", (("passes", 1),), cost=1e-3)
EIGHT_PASSES = Scheme("relu.passes", (("passes", 8),), cost=1e-6)       # the estimate's (wrong) pick


def relu_with_two_schemes(backend):
    """The backend's Relu execution and a subclass listing two schemes: one pass, or eight
    identical passes on the device (the same result, eight times the device work)."""
    if backend == "opencl":
        from gpu_infer.backends.opencl.ops.unary import CLUnary as Relu
        from gpu_infer.backends.opencl.registry import OPENCL_REGISTRY as registry
    else:
        from gpu_infer.backends.vulkan.ops.unary import VKUnary as Relu
        from gpu_infer.backends.vulkan.registry import VULKAN_REGISTRY as registry

    class TwoSchemeRelu(Relu):
        def schemes(self, inputs, outputs):
            return [EIGHT_PASSES, ONE_PASS]

        def on_resize(self, inputs, outputs):
            super().on_resize(inputs, outputs)
            self.passes = schemes.choose_for(self, inputs, outputs).param("passes")

        def on_execute(self, inputs, outputs):
            for _ in range(self.passes):
                super().on_execute(inputs, outputs)
    return registry, TwoSchemeRelu


@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_bench_tune_measures_on_the_device(backend, tuning_cache, tmp_path, monkeypatch, capsys):
    registry, relu = relu_with_two_schemes(backend)
    monkeypatch.setitem(registry._table, "Relu", relu)
    shape = [256, 1024]
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)])
    path = tmp_path / "relu.onnx"
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    args = ["bench", str(path), "--backends", backend, "--runs", "1", "--warmup", "0", "--no-onnxruntime",
            "--no-per-node", "--tune"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"tuning on {backend}:" in out and "(device)" in out and "NOT USED" not in out
    sess = gpu_infer.InferenceSession(str(path), backend=backend)
    assert list(TuningCache().entries(schemes.device_key(sess.backends[0])).values()) == [ONE_PASS.as_json()]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(sess.run(None, {"x": x})[0], np.maximum(x, 0))
    assert main(args) == 0                                        # a second --tune measures nothing
    assert "already tuned: relu.passes(passes=1)" in capsys.readouterr().out
