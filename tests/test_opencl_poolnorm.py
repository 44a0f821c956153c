"""OpenCL pooling, reductions, softmax, normalizations and resize beyond the differential cases:
every scheme (layout) each node can run with, forced, against the CPU backend (the cost model
picks only some of them on a given device). What both GPU backends must do alike (MaxPool's
Indices, strict refusals, the resize table uploaded once): tests/test_gpu_poolnorm.py."""
from __future__ import annotations

import numpy as np
import pytest
from gpu_differential_cases import node_model
from helpers import need_backend, rel_err

import gpu_infer
from gpu_infer.scheduler import schemes
from gpu_infer.scheduler.schemes import Scheme

pytestmark = pytest.mark.opencl


def _run(model, feeds, precision="fp32"):
    sess = gpu_infer.InferenceSession(model, backend="opencl", precision=precision, strict=True)
    return sess.run(None, feeds)


def _forcing(monkeypatch, scheme: str, local: int | None = None) -> None:
    """Make every choice of a scheme pick `scheme` (with work-group `local`), as a tuned one would."""
    wanted = Scheme(scheme, (("local", local),) if local else ())
    monkeypatch.setattr(schemes.TUNING, "lookup", lambda device, op_key: wanted)


RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 37, 19)).astype(np.float32)
LAYOUTS = [("rows", None), ("group", 64), ("group", 256)]


@pytest.mark.parametrize("op,axes,layouts", [
    ("ReduceSum", [2], LAYOUTS), ("ReduceMean", [0, 2], LAYOUTS), ("ReduceMax", [1], [("cols", None)] + LAYOUTS[1:]),
    ("ReduceLogSumExp", [1, 2], LAYOUTS), ("ReduceL2", [0], [("cols", None), ("group", 64)])])
def test_every_reduce_layout_matches_cpu(monkeypatch, op, axes, layouts):
    need_backend("opencl")
    model = node_model(op, {"x": X}, opset=13 if op != "ReduceSum" else 11, axes=axes)
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": X})[0]
    for layout, local in layouts:
        _forcing(monkeypatch, f"reduce.{layout}", local)
        assert rel_err(_run(model, {"x": X})[0], want) < 1e-5, (layout, local)


@pytest.mark.parametrize("op,axis", [("Softmax", 2), ("LogSoftmax", 1)])
def test_every_softmax_layout_matches_cpu(monkeypatch, op, axis):
    need_backend("opencl")
    model = node_model(op, {"x": X}, opset=13, axis=axis)
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": X})[0]
    for layout, local in [("rows" if axis == 2 else "cols", None), ("group", 64), ("group", 256)]:
        _forcing(monkeypatch, f"softmax.{layout}", local)
        assert rel_err(_run(model, {"x": X})[0], want) < 1e-5, (layout, local)


def test_every_norm_layout_matches_cpu(monkeypatch):
    need_backend("opencl")
    scale, bias = RNG.standard_normal(19).astype(np.float32), RNG.standard_normal(19).astype(np.float32)
    model = node_model("LayerNormalization", {"x": X}, n_outputs=3, axis=-1, initializers={"s": scale, "b": bias})
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": X})
    for layout, local in [("rows", None), ("group", 64)]:
        _forcing(monkeypatch, f"norm.{layout}", local)
        for got, ref in zip(_run(model, {"x": X}), want):
            assert rel_err(got, ref) < 1e-5, (layout, local)


@pytest.mark.parametrize("precision", ["fp32", "fp16-storage"])
def test_both_pool_schemes_match_cpu(monkeypatch, precision):
    need_backend("opencl")
    x = RNG.standard_normal((1, 3, 21, 45)).astype(np.float32)
    for op in ("MaxPool", "AveragePool"):
        model = node_model(op, {"x": x}, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
        want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": x})[0]
        for scheme in ("pool.one", "pool.w8"):
            _forcing(monkeypatch, scheme)
            assert rel_err(_run(model, {"x": x}, precision)[0], want) < (1e-6 if precision == "fp32" else 2e-3)
