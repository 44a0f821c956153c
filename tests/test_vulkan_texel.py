"""Reads through uniform texel buffers (gpu_infer/backends/vulkan/texel.py): which bindings can be
views, the .tx variant a dispatch picks and its storage-buffer fallback, each checked against
NumPy; tensors past the storage-buffer range."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper

import gpu_infer
from gpu_infer.backends.vulkan.memory import VKBuffer, VKTensorRef
from helpers import need_backend
from test_vulkan_backend import make_model, rand, workspace

pytestmark = pytest.mark.vulkan


@pytest.fixture
def rt():
    need_backend("vulkan")
    from gpu_infer.backends.vulkan.runtime import get_runtime
    from gpu_infer.scheduler import probe_all
    return get_runtime(probe_all()["vulkan"])


def matmul_model(k: int = 37, n: int = 45):
    w = numpy_helper.from_array(rand(k, n, seed=3), "w")
    return make_model([helper.make_node("MatMul", ["x", "w"], ["y"])], {"x": (5, k)}, {"y": (5, n)}, [w]), w


def gemm_variants(sess) -> set[str]:
    (seg,) = workspace(sess).segments
    return {d.variant for d in seg.items if getattr(d, "stem", "").startswith("gemm_") and d.stem != "gemm_pack"}


@pytest.mark.parametrize("texel", [True, False], ids=["texel", "storage"])
def test_gemm_reads_through_texel_views_or_falls_back(rt, monkeypatch, texel):
    monkeypatch.setattr(rt.texel, "enabled", texel)
    model, w = matmul_model()
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    x = rand(5, 37)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], x @ numpy_helper.to_array(w), rtol=1e-5, atol=1e-5)
    variants = gemm_variants(sess)
    assert variants and all(v.endswith(".tx") == texel for v in variants)


def test_views_need_alignment_room_and_the_texel_limit(rt, monkeypatch):
    t = rt.texel
    buf = VKBuffer(buffer=None, memory=None, size=1000, array=None)
    align = t.offset_alignment
    assert t.view(VKTensorRef(buf, 0, 40), "f32", "t")[1] == 40
    assert t.view(VKTensorRef(buf, 0, 40), "f32", "v")[1] == 48          # rounded up into the slack
    assert t.view(VKTensorRef(buf, 960, 40), "f32", "v")[1] == 32  # no room: rounded down
    assert t.view(VKTensorRef(buf, 992, 8), "f32", "v") is None          # no room for one whole vec4
    if align > 1:
        assert t.view(VKTensorRef(buf, align // 2, 40), "f32", "t") is None
    monkeypatch.setattr(t, "max_texels", 9)
    assert t.view(VKTensorRef(buf, 0, 40), "f32", "t") is None


def test_a_tensor_past_the_storage_range_is_refused_where_it_is_bound_as_storage(rt, monkeypatch):
    monkeypatch.setattr(rt.texel, "enabled", False)
    monkeypatch.setitem(rt.limits, "max_storage_buffer_range", 1024)
    model, _ = matmul_model(64, 64)           # 16 KiB weight
    with pytest.raises(gpu_infer.errors.DeviceError, match="maxStorageBufferRange"):
        gpu_infer.InferenceSession(model, backend="vulkan", strict=True).run(None, {"x": rand(5, 64)})
