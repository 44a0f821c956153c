"""Concurrency: one session run from many threads, many sessions on one device, plans evicted
while other threads run them. Every result must equal the single-thread one."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from helpers import CLS_MODEL, need_backend

BACKENDS = ["cpu", "opencl", "vulkan"]
THREADS, RUNS = 8, 50


def gpu_chain_model(shape=(2, 3, 4)):
    """Mostly GPU work (Add, Relu, views), one CPU-only node in the middle: copies both ways."""
    size = int(np.prod(shape))
    w = numpy_helper.from_array(np.linspace(-1, 1, size, dtype=np.float32).reshape(shape), "w")
    target = numpy_helper.from_array(np.array([shape[0] * shape[1], shape[2]], np.int64), "shape")
    nodes = [helper.make_node("Add", ["x", "w"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Reshape", ["r", "shape"], ["v"]), helper.make_node("Sigmoid", ["v"], ["s"]),
             helper.make_node("Add", ["s", "s"], ["b"]), helper.make_node("Relu", ["b"], ["y"])]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [shape[0] * shape[1], shape[2]])],
                              [w, target])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def hammer(sess, feeds: list[dict], expected: list[list[np.ndarray]], threads: int = THREADS, runs: int = RUNS):
    """Run `sess` from `threads` threads, `runs` times each, on feeds in rotating order."""
    errors: list[str] = []
    start = threading.Barrier(threads)

    def worker(k: int) -> None:
        start.wait()
        for i in range(runs):
            j = (k + i) % len(feeds)
            try:
                got = sess.run(None, feeds[j])
            except Exception as exc:     # noqa: BLE001  (report, do not hang the barrier)
                errors.append(f"thread {k} run {i}: {type(exc).__name__}: {exc}")
                return
            for g, w in zip(got, expected[j]):
                if not np.array_equal(g, w):
                    errors.append(f"thread {k} run {i}: feed {j} differs by {np.max(np.abs(g - w))}")
                    return

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in pool), "a run hung"
    assert not errors, errors[:5]


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_session_many_threads(backend):
    need_backend(backend)
    rng = np.random.default_rng(0)
    if backend == "cpu":
        sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu")
        feeds = [{"x": rng.standard_normal((1, 3, 48, 96)).astype(np.float32)} for _ in range(THREADS)]
    else:
        sess = gpu_infer.InferenceSession(gpu_chain_model(), backend=backend)
        feeds = [{"x": rng.standard_normal((2, 3, 4)).astype(np.float32)} for _ in range(THREADS)]
    expected = [sess.run(None, f) for f in feeds]
    hammer(sess, feeds, expected)
    plan = sess._cache.latest()
    assert 1 <= plan.instances() <= THREADS


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_sessions_on_one_device(backend):
    need_backend(backend)
    rng = np.random.default_rng(1)
    feeds = [{"x": rng.standard_normal((2, 3, 4)).astype(np.float32)} for _ in range(4)]
    sessions = [gpu_infer.InferenceSession(gpu_chain_model(), backend=backend) for _ in range(4)]
    expected = [sessions[0].run(None, f) for f in feeds]
    errors: list[str] = []

    def worker(sess) -> None:
        try:
            hammer(sess, feeds, expected, threads=2, runs=25)
        except AssertionError as exc:
            errors.append(str(exc))

    pool = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=600)
    assert not errors, errors


def test_evicting_plans_while_other_threads_run_them():
    """More input shapes than the plan cache holds, from several threads at once."""
    sess = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu")
    rng = np.random.default_rng(2)
    widths = [16, 24, 32, 40, 48, 56, 64, 72, 80, 88]              # 10 shapes > 8 cached plans
    feeds = [{"x": rng.standard_normal((1, 3, 48, w)).astype(np.float32)} for w in widths]
    expected = [sess.run(None, f) for f in feeds]
    hammer(sess, feeds, expected, threads=4, runs=len(widths) + 2)
    assert len(sess._cache.plans()) <= 8
