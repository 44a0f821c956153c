"""Pooling, reductions, softmax, normalizations and resize on both GPU backends alike, beyond the
differential cases: MaxPool's Indices, what strict mode refuses (by name) and falls back on,
the resize table uploaded once per session."""
from __future__ import annotations

import numpy as np
import pytest
from gpu_differential_cases import node_model
from helpers import need_backend

import gpu_infer
from gpu_infer.errors import UnsupportedOpError

RNG = np.random.default_rng(5)
BACKENDS = [pytest.param(b, marks=getattr(pytest.mark, b)) for b in ("opencl", "vulkan")]


def _run(backend, model, feeds):
    return gpu_infer.InferenceSession(model, backend=backend, strict=True).run(None, feeds)


@pytest.mark.parametrize("backend", BACKENDS)
def test_maxpool_indices_point_at_the_first_maximum_nan_first(backend):
    need_backend(backend)
    x = np.array([[[[1, 3, 3, 0], [np.nan, 2, 3, np.nan], [5, 5, -np.inf, -np.inf], [1, 1, -np.inf, -np.inf]]]],
                 np.float32)
    model = node_model("MaxPool", {"x": x}, n_outputs=2, kernel_shape=[2, 2], strides=[2, 2])
    values, indices = _run(backend, model, {"x": x})
    np.testing.assert_array_equal(indices.reshape(-1), [4, 7, 8, 10])
    np.testing.assert_array_equal(values.reshape(-1), [np.nan, np.nan, 5, -np.inf])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("op,attrs", [("MaxPool", {"kernel_shape": [2, 2]}), ("Softmax", {"axis": 1}),
                                      ("ReduceMean", {"axes": [1]}),
                                      ("InstanceNormalization", {"initializers": {"s": np.ones(3), "b": np.zeros(3)}})])
def test_strict_mode_names_what_it_refuses(backend, op, attrs):
    """float64 data: the kernels run float32 (stored as fp32 or fp16) and integers only."""
    need_backend(backend)
    x = np.ones((1, 3, 4, 4), np.float64)
    model = node_model(op, {"x": x}, opset=13, **attrs)
    with pytest.raises(UnsupportedOpError, match=op):
        _run(backend, model, {"x": x})
    got = gpu_infer.InferenceSession(model, backend=backend).run(None, {"x": x})[0]   # falls back to the CPU
    want = gpu_infer.InferenceSession(model, backend="cpu").run(None, {"x": x})[0]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_resize_table_is_prepared_once_per_session(backend):
    need_backend(backend)
    x = RNG.standard_normal((1, 2, 5, 7)).astype(np.float32)
    model = node_model("Resize", {"x": x}, opset=13, mode="linear",
                       initializers={"roi": np.zeros(0, np.float32), "scales": np.array([1, 1, 2, 2], np.float32)})
    sess = gpu_infer.InferenceSession(model, backend=backend, strict=True)
    first = sess.run(None, {"x": x})[0]
    (device,) = [b for b in sess._resources.backends if b.name == backend]
    uploads = device.uploads
    for _ in range(3):
        np.testing.assert_array_equal(sess.run(None, {"x": x})[0], first)
    assert device.uploads == uploads
