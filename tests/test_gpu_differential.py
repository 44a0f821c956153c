"""Differential test: every op a GPU backend registers, at every precision level, strict, against the CPU backend.

The CPU backend runs on the inputs as the device stores them (rounded to float16 at the fp16
levels) and its result is rounded the same way, so a correct device differs only by its
arithmetic: tolerances are relative to the output's largest finite magnitude (fp32 1e-6,
fp16 2e-3) plus the smallest normal number (a device may flush denormals). NaN must land where
the CPU has NaN, an infinity where it has the same infinity, and zeros keep their sign where
the spec fixes it. Cases come from tests/gpu_differential_cases.py, one generator per op type.
"""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import gpu_infer
from gpu_differential_cases import CASES, Case

GPU_BACKENDS = ("opencl", "vulkan")
LEVELS = ("fp32", "fp16-storage", "fp16-arith")
REL_TOL = {"fp32": 1e-6, "fp16-storage": 2e-3, "fp16-arith": 2e-3}
ABS_TOL = {"fp32": float(np.finfo(np.float32).tiny), "fp16-storage": float(np.finfo(np.float16).tiny),
           "fp16-arith": float(np.finfo(np.float16).tiny)}


def registered_ops(backend: str) -> list[str]:
    if backend == "opencl":
        from gpu_infer.backends.opencl.registry import OPENCL_REGISTRY as registry
    else:
        from gpu_infer.backends.vulkan.registry import VULKAN_REGISTRY as registry
    return registry.op_types()


def stored(x: np.ndarray, level: str) -> np.ndarray:
    """A float32 tensor as the device holds it at `level` (past float16's range: an infinity)."""
    if level == "fp32" or x.dtype != np.float32:
        return x
    with np.errstate(over="ignore"):
        return x.astype(np.float16).astype(np.float32)


def stored_model(model: onnx.ModelProto, level: str) -> onnx.ModelProto:
    """`model` with its initializers as the device holds them."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for init in out.graph.initializer:
        init.CopyFrom(numpy_helper.from_array(stored(numpy_helper.to_array(init), level), init.name))
    return out


def mismatches(got: np.ndarray, want: np.ndarray, level: str, signed_zero: bool) -> list[str]:
    """What differs beyond the level's tolerance, in words (empty: they match)."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return [f"got {got.dtype}{list(got.shape)}, want {want.dtype}{list(want.shape)}"]
    if got.dtype.kind not in "fc":                     # integers, booleans, ml_dtypes' narrow types: exact
        bad = got != want if got.dtype.kind != "V" else got.view(f"u{got.dtype.itemsize}") != want.view(f"u{got.dtype.itemsize}")
        return [f"{int(bad.sum())} element(s) differ, first at {tuple(int(i) for i in np.argwhere(bad)[0])}"] \
            if bad.any() else []
    problems = []
    for what, g, w in (("NaN", np.isnan(got), np.isnan(want)),
                       ("infinities", np.where(np.isinf(got), np.sign(got), 0),
                        np.where(np.isinf(want), np.sign(want), 0))):
        if (g != w).any():
            k = tuple(int(i) for i in np.argwhere(g != w)[0])
            problems.append(f"{what} differ at {int((g != w).sum())} place(s), first at {k}: got {got[k]}, "
                            f"want {want[k]}")
    finite = np.isfinite(got) & np.isfinite(want)
    if finite.any():
        g, w = got[finite].astype(np.float64), want[finite].astype(np.float64)
        tol = REL_TOL[level] * float(np.max(np.abs(w))) + ABS_TOL[level]
        err = np.abs(g - w)
        if err.max() > tol:
            k = int(np.argmax(err))
            problems.append(f"max error {err.max():.3g} > {tol:.3g} ({level}): got {g[k]!r}, want {w[k]!r}")
        if signed_zero:
            zero_sign = (w == 0) & (g == 0) & (np.signbit(g) != np.signbit(w))
            if zero_sign.any():
                problems.append(f"{int(zero_sign.sum())} zero(s) with the wrong sign")
    return problems


def run_case(case: Case, backend: str, level: str, signed_zero: bool) -> list[str]:
    feeds = {k: stored(v, level) for k, v in case.feeds.items()}
    want = gpu_infer.InferenceSession(stored_model(case.model, level), backend="cpu").run(None, feeds)
    sess = gpu_infer.InferenceSession(case.model, backend=backend, precision=level, strict=True)
    got = sess.run(None, feeds)
    return [f"{case.name}, output {k}: {p}" for k, (g, w) in enumerate(zip(got, want))
            for p in mismatches(g, stored(w, level), level, signed_zero)]


def test_every_registered_gpu_op_has_a_case_generator():
    missing = {b: sorted(set(registered_ops(b)) - set(CASES)) for b in GPU_BACKENDS}
    assert not any(missing.values()), (f"ops registered on a GPU backend without a case generator in "
                                       f"tests/gpu_differential_cases.py: {missing}")


@pytest.mark.parametrize("precision", LEVELS)
@pytest.mark.parametrize("backend,op", [(b, op) for b in GPU_BACKENDS for op in registered_ops(b) if op in CASES])
def test_gpu_op_matches_cpu(backend, op, precision):
    spec = CASES[op]
    problems = []
    for case in spec.generate(np.random.default_rng(0)):
        problems += run_case(case, backend, precision, spec.signed_zero)
    assert not problems, f"{op} on {backend} at {precision}:\n  " + "\n  ".join(problems)
