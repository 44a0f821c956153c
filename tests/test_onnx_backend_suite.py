"""onnx's official backend suite, through gpu_infer.onnx_backend, strict (no fallback), per backend.

CPU: every case whose ops are all first-wave ops, then (apart) every other case whose
ops the CPU registry claims. OpenCL / Vulkan: every case whose ops that backend claims,
built whether or not the device is valid here (tests/conftest.py skips them with the
probe's reason, or fails them under GPU_INFER_REQUIRE). Every other generated case is
dropped before collection rather than skipped, so the skip count means something. Cases
we know we fail are expected failures (strict: one that starts passing fails until its
entry below goes), listed with the reason here and in the README, so the pass count is
an honest coverage measure.
"""
from __future__ import annotations

import re

import numpy as np
import onnx.backend.test
import pytest

from gpu_infer.onnx_backend import GpuInferBackend

from suite_cases import FIRST_WAVE, FOLDED, cases_within, first_wave_cases

# name -> why (regexes on the case name without the _cpu suffix)
KNOWN_FAILURES: dict[str, str] = {
    "test_identity_opt": "optional-typed values (onnx Optional) are not tensors; gpu_infer runs tensors only",
    "test_identity_sequence": "sequence-typed values are not tensors; gpu_infer runs tensors only",
    "test_training_dropout(_default)?(_mask)?": "training-mode Dropout with a non-zero ratio is random; "
                                               "the expected values come from onnx's own RNG draw",
}

# Every GPU backend and precision level
GPU_KNOWN_FAILURES: dict[str, str] = {
    # OpenCL elementwise family
    "test_batchnorm_.*_training_mode": "training-mode BatchNormalization (batch statistics, running averages) "
                                       "needs reductions; the GPU kernel is inference-only",
    # GEMM/conv and softmax families
    "test_flexattention_double_expanded.*": "float64 MatMul and Softmax: the GEMM and softmax kernels take "
                                            "float32 tensors (stored at the session's precision) only",
    "test_flexattention_fp16_expanded.*": "a float16-typed MatMul (a float16 model): the GEMM kernels take "
                                          "float32 tensors (stored at the session's precision) only",
}
# One backend (and precision level, or every one: None); none at present
SCOPED_KNOWN_FAILURES: dict[tuple[str, str | None], dict[str, str]] = {}

# Cases the GPU backends fail only at the FP16 levels: what FP16 storage cannot hold.
GPU_FP16_KNOWN_FAILURES: dict[str, str] = {
    "test_operator_add(_broadcast|_size1_right_broadcast|_size1_singleton_broadcast|constant)":
        "the exported float64 data is uninitialized memory (values up to 1e198), beyond the float16 storage "
        "float tensors have at the fp16 levels",
    # pooling, reductions, softmax, normalizations, resize (OpenCL)
    "test_(log)?softmax_large_number(_expanded.*)?": "inputs 10000 to 10003 are all 10000 in float16 (its spacing there is 8), "
                                       "so the row's (log-)softmax is uniform",
}


def _known_failure(case: str, backend: str, precision: str = "fp32") -> str | None:
    known = KNOWN_FAILURES | (GPU_KNOWN_FAILURES if backend != "cpu" else {}) | \
        SCOPED_KNOWN_FAILURES.get((backend, None), {}) | SCOPED_KNOWN_FAILURES.get((backend, precision), {})
    if backend != "cpu" and precision.startswith("fp16"):
        known |= GPU_FP16_KNOWN_FAILURES
    return next((why for pattern, why in known.items() if re.fullmatch(f"{pattern}_cpu", case)), None)


FP16_SCALE_TOL = 2e-2        # FP16 storage: error relative to the output's largest finite magnitude


class Fp16Suite(onnx.backend.test.BackendTest):
    """The suite with FP16-storage tolerances: float outputs within 2e-2 of their scale (NaN and
    infinities in the same places), every other type exact (bfloat16, float8, float4 included)."""

    @classmethod
    def assert_similar_outputs(cls, ref_outputs, outputs, rtol, atol, model_dir=None) -> None:
        assert len(outputs) == len(ref_outputs), f"{len(outputs)} outputs, {len(ref_outputs)} expected"
        for got, want in zip(outputs, ref_outputs):
            if not isinstance(want, np.ndarray) or not isinstance(got, np.ndarray):   # sequences, optionals
                super().assert_similar_outputs([want], [got], rtol, atol, model_dir)
                continue
            assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, got.shape, want.dtype, want.shape)
            if want.dtype.kind == "V":     # ml_dtypes' narrow types: exact, compared as float32 (NaN equals NaN)
                np.testing.assert_array_equal(got.astype(np.float32), want.astype(np.float32))
                continue
            if want.dtype.kind != "f":
                np.testing.assert_array_equal(got, want)
                continue
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_array_equal(np.where(np.isinf(got), got, 0), np.where(np.isinf(want), want, 0))
            finite = np.isfinite(want)
            scale = float(np.max(np.abs(want[finite]), initial=0.0))
            np.testing.assert_allclose(got[finite], want[finite], rtol=0, atol=FP16_SCALE_TOL * scale + 1e-6)


def _build(backend: str, names: list[str], label: str = "", precision: str = "fp32") -> dict[str, type]:
    """The suite's TestCase classes for `backend` at `precision`, holding only the cases in `names`."""
    label = label or (backend if precision == "fp32" else f"{backend}_{precision}")
    cls = GpuInferBackend.configure(backend=backend, precision=precision, strict=True)
    wanted = {f"{name}_cpu" for name in names}
    suite = onnx.backend.test.BackendTest if precision == "fp32" else Fp16Suite
    generated = suite(cls, __name__).test_cases
    out = {}
    for class_name, case in generated.items():
        for attr in [a for a in vars(case) if a.startswith("test_")]:
            why = _known_failure(attr, backend, precision)
            if attr not in wanted:
                delattr(case, attr)
            elif why:
                setattr(case, attr, pytest.mark.xfail(reason=why, strict=True)(getattr(case, attr)))
        if any(a.startswith("test_") for a in vars(case)):
            case.suite_label = label.replace("_", " ")
            case.suite_precision = precision
            if backend != "cpu":
                case.suite_backend = backend
            out[f"{class_name}_{label.upper()}"] = case
    return out


def _registry_ops(backend: str) -> set[str]:
    if backend == "cpu":
        from gpu_infer.backends.cpu.registry import CPU_REGISTRY as reg
    elif backend == "opencl":
        from gpu_infer.backends.opencl.registry import OPENCL_REGISTRY as reg
    else:
        from gpu_infer.backends.vulkan.registry import VULKAN_REGISTRY as reg
    return set(reg.op_types())


globals().update(_build("cpu", first_wave_cases()))
# the CPU backend has many more ops than the first wave: every case it claims counts too
globals().update(_build("cpu", sorted(set(cases_within(_registry_ops("cpu") | FIRST_WAVE)) - set(first_wave_cases())),
                        label="cpu_beyond_first_wave"))
for _gpu in ("opencl", "vulkan"):
    _claimed = cases_within((_registry_ops(_gpu) | FOLDED) & FIRST_WAVE)     # what the backend claims
    globals().update(_build(_gpu, _claimed))
    globals().update(_build(_gpu, _claimed, precision="fp16-storage"))
