"""One session's settings from both APIs: onnxruntime's (sess_options, providers, provider_options)
and gpu_infer's keywords (backend, precision, strict, optimize_graph).

Rules (README, "onnxruntime drop-in"):
- The first usable provider is the backend; with none given, ``backend="auto"`` decides. A list whose
  providers are all unavailable runs on the CPU, as onnxruntime does.
- ``backend=`` (other than "auto") wins over the list's order, but must be one of the listed
  providers when a list is given: anything else is a contradiction (OptionError).
- ``precision`` and ``strict`` may come from the keyword, the chosen provider's options, or (strict
  only) the config entry ``session.disable_cpu_ep_fallback``; sources that disagree are an OptionError.
- Strict means no node on the CPU, so a list that names the CPU provider behind a GPU one
  contradicts it (onnxruntime refuses that combination too).
- ``optimize_graph=`` wins over ``graph_optimization_level``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DeviceError, OptionError
from ..pipeline.backend_choice import resolve_backend, resolve_precision
from ..scheduler import probe_all
from .options import DISABLE_CPU_FALLBACK_KEY, GraphOptimizationLevel, SessionOptions
from .providers import BACKEND_OF, CPU_PROVIDER, PROVIDERS, ProviderPick, pick_providers, warn_user

PROVIDER_OPTION_NAMES = ("precision", "strict")
_TRUE, _FALSE = ("1", "true", "True", "TRUE"), ("0", "false", "False", "FALSE")


@dataclass(frozen=True)
class SessionSettings:
    backend: str                    # "cpu" | "opencl" | "vulkan"
    precision: str                  # as asked: "fp32", "fp16", "auto", ...
    resolved_precision: str         # the level the device runs: "fp32", "fp16-storage", "fp16-arith"
    strict: bool
    optimize_graph: bool
    options: SessionOptions         # a copy, updated to what the session does
    providers: list[str]            # get_providers()
    provider_options: dict[str, dict[str, str]]


def resolve_session_settings(sess_options: Any, providers: Any, provider_options: Any, *,
                             backend: str | None, precision: str | None, strict: bool | None,
                             optimize_graph: bool | None) -> SessionSettings:
    _check_keywords(backend=(backend, str), precision=(precision, str), strict=(strict, bool),
                    optimize_graph=(optimize_graph, bool))
    options = _session_options(sess_options)
    config_strict = _config_flag(options)
    statuses = probe_all()
    pick = pick_providers(providers, provider_options, statuses, strict=bool(strict or config_strict))
    name = _backend(pick, backend)
    provider = PROVIDERS[name]
    parsed = {p: _provider_options(p, opts) for p, opts in pick.requested.items() if p in BACKEND_OF}
    opt_precision, opt_strict = parsed.get(provider, (None, None))   # every listed one checked, used or not
    precision = _agreed("precision", {"precision=": precision, f"{provider} options": opt_precision}, "fp32")
    strict = _agreed("strict", {"strict=": strict, f"{provider} options": opt_strict,
                                DISABLE_CPU_FALLBACK_KEY: config_strict}, False)
    if strict:
        _check_strict(pick, name)
    resolved = resolve_precision(statuses[name], precision)
    optimize_graph = _apply(options, optimize_graph, strict)
    used = [provider] + ([CPU_PROVIDER] if name != "cpu" and not strict else [])
    used_options = {p: {} for p in used}
    if name != "cpu":
        used_options[provider] = {"precision": resolved, "strict": "1" if strict else "0"}
    return SessionSettings(name, precision, resolved, strict, optimize_graph, options, used, used_options)


def _check_strict(pick: ProviderPick, backend: str) -> None:
    """Strict means no node on the CPU: the list may not offer the CPU as a fallback, nor leave it
    as the only choice."""
    if backend != "cpu" and CPU_PROVIDER in pick.requested:
        raise OptionError(f"strict (no CPU fallback) contradicts {CPU_PROVIDER} in providers "
                          f"{list(pick.requested)}")
    if pick.requested and not pick.usable:
        raise DeviceError(f"none of the providers {list(pick.requested)} is available here, and strict "
                          "forbids running on the CPU instead")


def _apply(options: SessionOptions, optimize_graph: bool | None, strict: bool) -> bool:
    """Whether to optimize (the keyword wins over the level); `options` updated to say what is done."""
    optimizing = options.graph_optimization_level != GraphOptimizationLevel.ORT_DISABLE_ALL
    if optimize_graph is None:
        optimize_graph = optimizing
    elif optimize_graph != optimizing:
        options.graph_optimization_level = (GraphOptimizationLevel.ORT_ENABLE_ALL if optimize_graph
                                            else GraphOptimizationLevel.ORT_DISABLE_ALL)
    if strict:
        options.add_session_config_entry(DISABLE_CPU_FALLBACK_KEY, "1")
    return optimize_graph


def _check_keywords(**values: tuple[Any, type]) -> None:
    for key, (value, kind) in values.items():
        if value is not None and not isinstance(value, kind):
            raise OptionError(f"{key}= takes a {kind.__name__}, got {value!r}")


def _session_options(sess_options: Any) -> SessionOptions:
    if sess_options is None:
        return SessionOptions()
    if not isinstance(sess_options, SessionOptions):
        raise OptionError(f"sess_options must be a gpu_infer.SessionOptions, got {type(sess_options).__name__}")
    return sess_options.copy()


def _config_flag(options: SessionOptions) -> bool | None:
    try:
        value = options.get_session_config_entry(DISABLE_CPU_FALLBACK_KEY)
    except OptionError:
        return None
    return _flag(DISABLE_CPU_FALLBACK_KEY, value)


def _flag(what: str, value: str) -> bool:
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise OptionError(f"{what} takes 1/0 or true/false, got {value!r}")


def _backend(pick: ProviderPick, backend: str | None) -> str:
    """The backend: an explicit one (checked against the list), else the first usable provider's."""
    if backend is None or backend == "auto":
        if pick.usable:
            return BACKEND_OF[pick.usable[0]]
        return "cpu" if pick.requested else resolve_backend("auto")
    name = resolve_backend(backend)
    if pick.requested and PROVIDERS[name] not in pick.requested:
        raise OptionError(f"backend={backend!r} contradicts providers {list(pick.requested)}: list "
                          f"{PROVIDERS[name]} there, or give only one of the two")
    return name


def _provider_options(provider: str, options: dict[str, str]) -> tuple[str | None, bool | None]:
    """(precision, strict) from one provider's options; None where not given."""
    unknown = sorted(set(options) - set(PROVIDER_OPTION_NAMES))
    if unknown:
        message = (f"{provider} has no option(s) {unknown} in gpu_infer; its options are "
                   f"{', '.join(PROVIDER_OPTION_NAMES)}")
        if provider != CPU_PROVIDER:
            raise OptionError(message)
        warn_user(message + "; ignored")      # onnxruntime's CPU options (arena, ...) mean nothing here
    strict = options.get("strict")
    return options.get("precision"), None if strict is None else _flag(f"{provider} option strict", strict)


def _agreed(what: str, sources: dict[str, Any], default: Any) -> Any:
    """The one value the given (non-None) sources agree on, else the default."""
    given = {k: v for k, v in sources.items() if v is not None}
    if len(set(given.values())) > 1:
        raise OptionError(f"contradictory {what}: " + ", ".join(f"{k} {v!r}" for k, v in given.items()))
    return next(iter(given.values()), default)
