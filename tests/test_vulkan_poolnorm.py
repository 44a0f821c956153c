"""Vulkan pooling, reductions, softmax, normalizations, resize and LRN beyond the differential
cases: both layouts of each reducing shader, forced, against the CPU backend (the cost model
picks only one per shape). What both GPU backends must do alike: tests/test_gpu_poolnorm.py."""
from __future__ import annotations

import numpy as np
import pytest
from gpu_differential_cases import node_model
from helpers import need_backend, rel_err

import gpu_infer
from gpu_infer.backends.vulkan.ops.reduction import layout_schemes
from gpu_infer.scheduler import schemes
from gpu_infer.scheduler.schemes import Scheme

pytestmark = pytest.mark.vulkan

RNG = np.random.default_rng(11)
X = RNG.standard_normal((3, 37, 19)).astype(np.float32)


def _run(model, feeds, precision="fp32"):
    return gpu_infer.InferenceSession(model, backend="vulkan", precision=precision, strict=True).run(None, feeds)


def _both_layouts(monkeypatch, family: str, model, feeds) -> None:
    """The model in the item and the group layout (as a tuned choice would force) matches the CPU."""
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, feeds)
    for wanted in (Scheme(f"{family}.item"), Scheme(f"{family}.group", (("local", 64),))):
        monkeypatch.setattr(schemes.TUNING, "lookup", lambda device, op_key, s=wanted: s)
        for got, ref in zip(_run(model, feeds), want):
            assert rel_err(got, ref) < 1e-5, wanted


def test_cost_model_prefers_groups_for_few_long_reductions():
    assert min(layout_schemes("reduce", 1, 1000), key=lambda s: s.cost).name == "reduce.group"
    assert min(layout_schemes("reduce", 4096, 49), key=lambda s: s.cost).name == "reduce.item"


@pytest.mark.parametrize("op,axes", [("ReduceSum", [2]), ("ReduceMean", [0, 2]), ("ReduceMax", [1]),
                                     ("ReduceLogSumExp", [1, 2]), ("ReduceL2", [0])])
def test_both_reduce_layouts_match_cpu(monkeypatch, op, axes):
    need_backend("vulkan")
    _both_layouts(monkeypatch, "reduce", node_model(op, {"x": X}, opset=13 if op != "ReduceSum" else 11, axes=axes),
                  {"x": X})


def test_both_integer_reduce_layouts_match_cpu(monkeypatch):
    need_backend("vulkan")
    x = RNG.integers(-2**40, 2**40, (5, 300)).astype(np.int64)
    _both_layouts(monkeypatch, "reduce", node_model("ReduceSum", {"x": x}, opset=11, axes=[1]), {"x": x})


@pytest.mark.parametrize("op,axis", [("Softmax", 2), ("LogSoftmax", 1)])
def test_both_softmax_layouts_match_cpu(monkeypatch, op, axis):
    need_backend("vulkan")
    _both_layouts(monkeypatch, "softmax", node_model(op, {"x": X}, opset=13, axis=axis), {"x": X})


def test_both_norm_layouts_match_cpu(monkeypatch):
    need_backend("vulkan")
    scale, bias = RNG.standard_normal(19).astype(np.float32), RNG.standard_normal(19).astype(np.float32)
    model = node_model("LayerNormalization", {"x": X}, n_outputs=3, axis=-1, initializers={"s": scale, "b": bias})
    _both_layouts(monkeypatch, "norm", model, {"x": X})
