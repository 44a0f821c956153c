"""onnx's official backend suite, through gpu_infer.onnx_backend, strict (no fallback), per backend.

CPU: every case whose ops are all first-wave ops, then (apart) every other case whose
ops the CPU registry claims. OpenCL / Vulkan: every case whose ops that backend claims.
Cases we know we fail are excluded below with the reason (and listed in the README), so
the pass count is an honest coverage measure.
"""
from __future__ import annotations

import re

import onnx.backend.test
import pytest

from gpu_infer.onnx_backend import GpuInferBackend
from gpu_infer.scheduler import probe_all

from suite_cases import FIRST_WAVE, cases_within, first_wave_cases

# name -> why (regexes on the case name without the _cpu suffix)
KNOWN_FAILURES: dict[str, str] = {
    "test_identity_opt": "optional-typed values (onnx Optional) are not tensors; gpu_infer runs tensors only",
    "test_identity_sequence": "sequence-typed values are not tensors; gpu_infer runs tensors only",
    "test_training_dropout(_default)?(_mask)?": "training-mode Dropout with a non-zero ratio is random; "
                                               "the expected values come from onnx's own RNG draw",
}

# The GPU walking skeletons run float32 tensors only (stored as fp32 or fp16); integer
# cases of the ops they claim are refused in strict mode, as they should be.
GPU_KNOWN_FAILURES: dict[str, str] = {
    "test_add_u?int(8|16|32|64)": "skeleton kernels are float32-only; integer Add runs on the CPU backend",
    "test_operator_add.*_broadcast": "float64 (double) tensors; skeleton kernels are float32-only",
}


def _build(backend: str, names: list[str], label: str = "") -> dict:
    label = label or backend
    cls = GpuInferBackend.configure(backend=backend, precision="fp32", strict=True)
    suite = onnx.backend.test.BackendTest(cls, f"{__name__}.{label}")
    for name in names:
        suite.include(f"^{re.escape(name)}_cpu$")
    for pattern in list(KNOWN_FAILURES) + (list(GPU_KNOWN_FAILURES) if backend != "cpu" else []):
        suite.exclude(f"^{pattern}_cpu$")
    return {f"{name}_{label.upper()}": case for name, case in suite.test_cases.items()}


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
    if probe_all()[_gpu].valid:
        globals().update(_build(_gpu, cases_within(_registry_ops(_gpu) & FIRST_WAVE)))
