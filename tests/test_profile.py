"""Device timing (`gpu-infer bench --profile`): OpenCL events, Vulkan timestamp queries, and the
run breakdown; normal runs pay nothing for it."""
from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper, save

import gpu_infer
from gpu_infer.bench_profile import DriverClock, profile_session
from gpu_infer.cli import main

BIG, SMALL = (64, 64, 64), (4, 4, 4)


def model(shape):
    """x -> Relu -> Add w (both on the GPUs) -> y."""
    w = numpy_helper.from_array(np.full(shape[-1:], 0.5, np.float32), "w")
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                               helper.make_node("Add", ["r", "w"], ["y"], name="add")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def profiled(backend, shape, each_step):
    sess = gpu_infer.InferenceSession(model(shape), backend=backend)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    plan, feeds = sess.plan_for({"x": x})
    (y,), run = plan.profile_device(feeds, each_step=each_step)
    np.testing.assert_allclose(y, np.maximum(x, 0) + 0.5, rtol=1e-6)     # profiled runs compute the same
    return sess, plan, run


def kernels(run):
    return {s.node: s for s in run.steps if s.node is not None}


@pytest.mark.parametrize("each_step", [True, False], ids=["each step", "as segments"])
@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_every_gpu_step_has_a_device_time(backend, each_step):
    _, _, run = profiled(backend, BIG, each_step)
    steps = kernels(run)
    assert set(steps) == {"relu", "add"}
    assert all(s.backend == backend and s.device_s > 0 for s in steps.values())
    assert all(s.device_s is not None for s in run.steps)                      # copies too (0 when the host did them)
    assert 0 < run.device_s <= run.wall_s and run.host_steps_s == 0
    if each_step:
        assert all(s.host_s >= s.device_s for s in steps.values())
    else:
        assert all(s.host_s is None for s in steps.values())                   # one submission: no host time per step


@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_device_time_grows_with_the_work(backend):
    def add_time(shape):
        _, plan, _ = profiled(backend, shape, False)
        x = {"x": np.ones(shape, np.float32)}
        return min(kernels(plan.profile_device(x, each_step=False)[1])["add"].device_s for _ in range(3))
    assert add_time(BIG) > 5 * add_time(SMALL)


@pytest.mark.parametrize("backend", ["opencl"])
def test_opencl_profiles_on_a_queue_of_its_own(backend):
    import pyopencl as cl
    sess, plan, _ = profiled(backend, SMALL, False)
    ws = next(w for w in plan._all[0].workspaces.values() if w.backend.name == "opencl")
    assert not ws.queue.properties & cl.command_queue_properties.PROFILING_ENABLE       # normal runs: plain queue
    assert ws._timing_queue.properties & cl.command_queue_properties.PROFILING_ENABLE
    assert not ws.backend.rt._timed                                                    # nothing collects after it
    sess.run(None, {"x": np.ones(SMALL, np.float32)})


@pytest.mark.parametrize("backend", ["vulkan"])
def test_vulkan_timestamps_live_in_a_separate_command_buffer(backend):
    sess, plan, _ = profiled(backend, SMALL, False)
    ws = next(w for w in plan._all[0].workspaces.values() if w.backend.name == "vulkan")
    assert ws.rt.timestamp_bits > 0 and ws.rt.timestamp_period_ns > 0
    assert ws.segments and all(seg.queries is None for seg in ws.segments)          # what run() submits
    timed = list(ws._timed.values())
    assert timed and all(seg.queries is not None for seg in timed)
    plan.profile_device({"x": np.ones(SMALL, np.float32)}, each_step=False)
    assert list(ws._timed.values()) == timed                                           # recorded once, reused


def test_cpu_steps_are_host_time():
    _, _, run = profiled("cpu", SMALL, False)
    assert all(s.device_s is None and s.host_s > 0 for s in run.steps)
    assert run.device_s == 0 and run.host_steps_s == pytest.approx(sum(s.host_s for s in run.steps))


@pytest.mark.parametrize("backend", ["vulkan"])
def test_bench_profile_prints_device_time_and_host_overhead(backend, tmp_path, capsys):
    path = tmp_path / "m.onnx"
    save(model(BIG), str(path))
    args = ["bench", str(path), "--backends", backend, "--runs", "3", "--warmup", "0", "--no-onnxruntime", "--profile"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"profile on {backend}" in out and "device ms" in out and "Add:add" in out
    assert "host overhead per run" in out and "driver gaps" in out and "in the driver's submit + wait" in out
    assert main(args + ["--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    p = row["profile"]
    assert p["device_ms"] > 0 and row["host_overhead_ms"] == p["host_ms"] > 0
    assert 0 < p["driver_wait_ms"] < p["wall_ms"]
    assert p["empty_submit_ms"] > 0
    assert {s["label"] for s in row["profile"]["steps"]} >= {"Relu:relu", "Add:add"}


@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_the_breakdown_splits_a_run_at_the_driver_wait_and_leaves_the_runtime_as_it_was(backend):
    sess = gpu_infer.InferenceSession(model(SMALL), backend=backend)
    rt = sess.backends[0].rt
    before = dict(vars(rt))
    p = profile_session(sess, {"x": np.ones(SMALL, np.float32)}, runs=3)
    assert vars(rt) == before                                         # the timing wrapper is gone
    assert 0 < p.driver_wait_ms < p.wall_ms and 0 < p.host_ms < p.wall_ms   # each run: wall = wait + host
    assert (p.empty_submit_ms is not None) == (backend == "vulkan")


def test_the_driver_clock_counts_only_inside_its_block():
    sess = gpu_infer.InferenceSession(model(SMALL), backend="vulkan")
    feeds = {"x": np.ones(SMALL, np.float32)}
    with DriverClock(sess) as clock:
        sess.run(None, feeds)
        inside = clock.take()
        assert inside > 0 and clock.take() == 0.0
    sess.run(None, feeds)
    assert clock.take() == 0.0
