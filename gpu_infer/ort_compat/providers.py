"""Execution providers: onnxruntime's names for gpu_infer's backends, read as onnxruntime reads them.

onnxruntime 1.32, which these rules mirror:
- ``providers`` holds names or ``(name, options)`` tuples; ``provider_options``, when given, is a
  list of dicts parallel to a list of names. Anything else is a ValueError.
- A known provider that is not available here is skipped with a UserWarning.
- An unknown name, or a malformed list, fails the session; onnxruntime then retries with
  ``['CPUExecutionProvider']`` alone (it prints a banner; gpu_infer warns instead).
- The CPU provider is always added last as the fallback unless the CPU fallback is disabled
  (``session.disable_cpu_ep_fallback``, gpu_infer's ``strict``).
"""
from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import DeviceError, OptionError
from ..scheduler import BACKEND_ORDER, BackendStatus, probe_all

PROVIDERS = {"vulkan": "VulkanExecutionProvider", "opencl": "OpenCLExecutionProvider",
             "cpu": "CPUExecutionProvider"}
BACKEND_OF = {provider: backend for backend, provider in PROVIDERS.items()}
CPU_PROVIDER = PROVIDERS["cpu"]
# onnxruntime's own providers: known names that gpu_infer never has (skipped with a warning)
ORT_ONLY_PROVIDERS = frozenset({
    "TensorrtExecutionProvider", "NvTensorRTRTXExecutionProvider", "CUDAExecutionProvider",
    "ROCMExecutionProvider", "MIGraphXExecutionProvider", "OpenVINOExecutionProvider",
    "DnnlExecutionProvider", "VitisAIExecutionProvider", "QNNExecutionProvider", "NnapiExecutionProvider",
    "VSINPUExecutionProvider", "JsExecutionProvider", "CoreMLExecutionProvider", "DmlExecutionProvider",
    "RknpuExecutionProvider", "WebNNExecutionProvider", "WebGpuExecutionProvider",
    "XnnpackExecutionProvider", "CANNExecutionProvider", "AzureExecutionProvider", "ACLExecutionProvider",
    "ArmNNExecutionProvider"})

Requested = dict[str, dict[str, str]]      # provider name -> options, in preference order


def warn_user(message: str) -> None:
    """A UserWarning attributed to the caller's code: the first frame outside gpu_infer."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def get_all_providers() -> list[str]:
    """Every provider gpu_infer knows, available here or not, best first."""
    return [PROVIDERS[b] for b in BACKEND_ORDER]


def get_available_providers(statuses: Mapping[str, BackendStatus] | None = None) -> list[str]:
    """The providers whose backend is valid here, best first; the CPU provider is always there."""
    statuses = probe_all() if statuses is None else statuses
    return [PROVIDERS[b] for b in BACKEND_ORDER if statuses[b].valid]


def normalize_providers(providers: Any, provider_options: Any) -> Requested:
    """onnxruntime's argument rules: -> {name: options with str keys and values}, duplicates dropped
    with a warning. OptionError (a ValueError, as in onnxruntime) for a malformed argument."""
    if providers is None:
        return {}
    if isinstance(providers, str) or not isinstance(providers, Sequence):
        raise OptionError(f"'providers' should be a sequence of provider names, got {providers!r}")
    if provider_options is not None:
        if isinstance(provider_options, str) or not isinstance(provider_options, Sequence):
            raise OptionError("'provider_options' should be a sequence.")
        if len(providers) != len(provider_options):
            raise OptionError("'providers' and 'provider_options' should be the same length if both are given.")
        if not all(isinstance(p, str) for p in providers):
            raise OptionError("Only string values for 'providers' are supported if 'provider_options' is given.")
        if not all(isinstance(o, dict) for o in provider_options):
            raise OptionError("'provider_options' values must be dicts.")
        pairs = list(zip(providers, provider_options))
    else:
        pairs = []
        for p in providers:
            if isinstance(p, str):
                pairs.append((p, {}))
            elif isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], dict):
                pairs.append(p)
            else:
                raise OptionError("'providers' values must be either strings or (string, dict) tuples.")
    requested: Requested = {}
    for name, options in pairs:
        if name in requested:
            warn_user(f"Duplicate provider '{name}' encountered, ignoring.")
            continue
        requested[name] = {str(k): str(v) for k, v in options.items()}
    return requested


def usable_providers(requested: Requested, statuses: Mapping[str, BackendStatus]) -> list[str]:
    """The requested providers whose backend is valid here, in order. A known but unavailable one is
    skipped with a warning; an unknown one is a DeviceError (onnxruntime's "Unknown Provider Type")."""
    if not requested:
        return []                       # (probe no driver a session does not ask for)
    available = get_available_providers(statuses)
    usable, unknown = [], []
    for name in requested:
        if name in available:
            usable.append(name)
            continue
        why = f" ({BACKEND_OF[name]}: {statuses[BACKEND_OF[name]].reason})" if name in BACKEND_OF else ""
        warn_user(f"Specified provider '{name}' is not in available provider names. Available providers: "
                  f"'{', '.join(available)}'{why}")
        if name not in BACKEND_OF and name not in ORT_ONLY_PROVIDERS:
            unknown.append(name)
    if unknown:
        raise DeviceError(f"Unknown Provider Type: {unknown[0]} (gpu_infer's providers are "
                          f"{', '.join(get_all_providers())})")
    return usable


@dataclass(frozen=True)
class ProviderPick:
    """What a providers list asks for: the usable providers in order, and each one's options."""
    usable: list[str]
    requested: Requested


def pick_providers(providers: Any, provider_options: Any, statuses: Mapping[str, BackendStatus],
                   strict: bool) -> ProviderPick:
    """Read `providers` as onnxruntime does, including its retry with the CPU provider alone when the
    list is malformed or names an unknown provider; with `strict` that is an error instead."""
    try:
        requested = normalize_providers(providers, provider_options)
        return ProviderPick(usable_providers(requested, statuses), requested)
    except (OptionError, DeviceError) as exc:
        if strict:
            raise
        warn_user(f"EP Error {exc} when using {providers!r}. Falling back to ['{CPU_PROVIDER}'] and retrying.")
        return ProviderPick([CPU_PROVIDER], {CPU_PROVIDER: {}})


def get_device() -> str:
    """'GPU' when the backend 'auto' picks runs on a real GPU, else 'CPU' (as onnxruntime.get_device)."""
    from ..pipeline.backend_choice import resolve_backend
    return "CPU" if resolve_backend("auto") == "cpu" else "GPU"
