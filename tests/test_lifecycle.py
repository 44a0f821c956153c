"""Sessions are closed explicitly, by `with`, or when dropped; nothing leaks across 100 of them,
and a process that exits with live sessions prints nothing."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gpu_infer
from gpu_infer.errors import GpuInferError
from helpers import CLS_MODEL, need_backend
from test_threads import gpu_chain_model

BACKENDS = ["cpu", "opencl", "vulkan"]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _model_for(backend: str):
    return CLS_MODEL if backend == "cpu" else gpu_chain_model()


def _feeds(backend: str) -> dict:
    shape = (1, 3, 48, 96) if backend == "cpu" else (2, 3, 4)
    return {"x": np.random.default_rng(0).standard_normal(shape).astype(np.float32)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_close_with_and_finalizer_free_the_backends(backend):
    need_backend(backend)
    feeds = _feeds(backend)
    sess = gpu_infer.InferenceSession(_model_for(backend), backend=backend)
    (want,) = sess.run(None, feeds)
    primary = sess.backends[0]
    sess.close()
    sess.close()                                                   # idempotent
    assert sess.closed and primary.closed
    with pytest.raises(GpuInferError, match="closed"):
        sess.run(None, feeds)
    with gpu_infer.InferenceSession(_model_for(backend), backend=backend) as s2:
        np.testing.assert_array_equal(s2.run(None, feeds)[0], want)
        inner = s2.backends[0]
    assert s2.closed and inner.closed
    s3 = gpu_infer.InferenceSession(_model_for(backend), backend=backend)
    dropped = s3.backends[0]
    del s3                                                         # the finalizer, no gc needed
    assert dropped.closed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("backend", BACKENDS)
def test_hundred_sessions_keep_memory_and_descriptors_flat(backend):
    need_backend(backend)
    shape = (16, 64, 1024)                         # 4 MiB tensors: a leak of one per session shows
    feeds = {"x": np.random.default_rng(0).standard_normal(shape).astype(np.float32)}
    model = gpu_chain_model(shape).SerializeToString()

    def cycle(n: int) -> None:
        for _ in range(n):
            sess = gpu_infer.InferenceSession(model, backend=backend)
            sess.run(None, feeds)
            del sess

    cycle(10)                                                      # warm: lazy imports, allocator pools
    gc.collect()
    rss, fds = _rss_bytes(), _fds()
    cycle(100)
    gc.collect()
    grown = _rss_bytes() - rss
    assert grown < 50 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 100 sessions"
    assert _fds() <= fds, f"file descriptors {fds} -> {_fds()}"


def test_exit_with_live_sessions_prints_nothing():
    code = textwrap.dedent(f"""
        import numpy as np, gpu_infer
        from gpu_infer.scheduler import probe_all
        keep = [gpu_infer.InferenceSession({str(CLS_MODEL)!r}, backend="cpu")]
        for b in ("opencl", "vulkan"):
            if probe_all()[b].valid:
                s = gpu_infer.InferenceSession({str(CLS_MODEL)!r}, backend=b)
                s.run(None, {{"x": np.zeros((1, 3, 48, 96), np.float32)}})
                keep.append(s)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0
    assert proc.stdout == "" and proc.stderr == "", proc.stderr
