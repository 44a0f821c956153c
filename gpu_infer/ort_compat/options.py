"""SessionOptions, RunOptions and their enums, as onnxruntime spells them.

Every field onnxruntime scripts commonly set is accepted, type-checked as
onnxruntime checks it, and documented with what it does here; a misspelt
field is an AttributeError, as with onnxruntime's bound classes.
"""
from __future__ import annotations

import copy
import enum
from typing import Any, Generic, TypeVar

from ..errors import OptionError, TerminatedError

T = TypeVar("T")

DISABLE_CPU_FALLBACK_KEY = "session.disable_cpu_ep_fallback"   # "1": strict, no node on the CPU


class GraphOptimizationLevel(enum.IntEnum):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class Field(Generic[T]):
    """A typed option: bool fields take bools or ints, int fields ints, enum fields a member or
    its integer value, str fields strings; anything else is an OptionError."""

    def __init__(self, kind: type[T], default: T, doc: str):
        self.kind, self.default, self.__doc__ = kind, default, doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.qualname = name, f"{owner.__name__}.{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self if obj is None else obj._values.get(self.name, self.default)

    def __set__(self, obj: Any, value: Any) -> None:
        obj._values[self.name] = self._coerce(value)

    def _coerce(self, value: Any) -> T:
        kind = self.kind
        if isinstance(value, bool) and kind is not bool:
            pass
        elif issubclass(kind, enum.Enum):
            if value in {m.value for m in kind}:
                return kind(value)
        elif kind is bool and isinstance(value, int):
            return bool(value)
        elif isinstance(value, kind):
            return value
        raise OptionError(f"{self.qualname} takes {kind.__name__}, got {value!r}")


class _Options:
    """Fields plus free-form string config entries (add_*_config_entry)."""
    __slots__ = ("_values", "_config")
    _entry_kind = "session"

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._config: dict[str, str] = {}

    def _add_entry(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise OptionError(f"{self._entry_kind} config entries are str -> str, got {key!r}: {value!r}")
        self._config[key] = value

    def _get_entry(self, key: str) -> str:
        if key not in self._config:
            raise OptionError(f"{type(self).__name__} does not have configuration with key: {key}")
        return self._config[key]

    def copy(self):
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(set={self._values}, config={self._config})"


class SessionOptions(_Options):
    """onnxruntime.SessionOptions: each field says what it does in gpu_infer."""
    __slots__ = ()

    graph_optimization_level = Field(
        GraphOptimizationLevel, GraphOptimizationLevel.ORT_ENABLE_ALL,
        "ORT_DISABLE_ALL turns gpu_infer's graph optimizer off (optimize_graph=False); every other level "
        "runs all of it (its passes have no levels). Constant folding at pre-inference always runs.")
    enable_profiling = Field(
        bool, False, "Record every run step by step (each step finished before the next, so runs are "
        "slower); end_profiling() writes the Chrome-trace JSON and returns its path.")
    profile_file_prefix = Field(
        str, "onnxruntime_profile_", "The profile file is '<prefix>_<date>_<time>.json' in the working folder.")
    optimized_model_filepath = Field(
        str, "", "When set, the session writes its optimized graph (before input shapes are known) "
        "there as a .gim file, which gpu_infer loads; it may hold gpu_infer's fused ops.")
    intra_op_num_threads = Field(
        int, 0, "Accepted, no effect: the CPU backend's heavy ops run in NumPy's BLAS, whose thread pool "
        "is process-wide, so one session cannot cap it without capping every other session. Cap it for "
        "the process with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS before importing NumPy.")
    inter_op_num_threads = Field(int, 0, "Accepted, no effect: the nodes of a run execute one after another.")
    execution_mode = Field(
        ExecutionMode, ExecutionMode.ORT_SEQUENTIAL,
        "Accepted; ORT_PARALLEL has no effect: the nodes of a run execute one after another.")
    log_severity_level = Field(
        int, -1, "Accepted, no effect: gpu_infer keeps no log; its notices (provider fallbacks) are "
        "Python warnings, filtered with the warnings module.")
    log_verbosity_level = Field(int, 0, "Accepted, no effect (see log_severity_level).")
    logid = Field(str, "", "Accepted, no effect (see log_severity_level).")
    enable_cpu_mem_arena = Field(
        bool, True, "Accepted, no effect: every plan reuses memory from tensor lifetimes "
        "(InferenceSession.memory_plan()).")
    enable_mem_pattern = Field(bool, True, "Accepted, no effect (see enable_cpu_mem_arena).")
    enable_mem_reuse = Field(bool, True, "Accepted, no effect (see enable_cpu_mem_arena).")
    use_deterministic_compute = Field(
        bool, False, "Accepted, no effect: gpu_infer's kernels give the same result on every run.")

    def add_session_config_entry(self, key: str, value: str) -> None:
        """Store a config entry. gpu_infer reads 'session.disable_cpu_ep_fallback' ('1' is
        strict=True: no node may fall back to the CPU); every other key is kept, unused."""
        self._add_entry(key, value)

    def get_session_config_entry(self, key: str) -> str:
        return self._get_entry(key)


class RunOptions(_Options):
    """onnxruntime.RunOptions, passed to InferenceSession.run."""
    __slots__ = ()
    _entry_kind = "run"

    terminate = Field(
        bool, False, "When set, run() refuses to start (TerminatedError). Checked as a run starts: a run "
        "already under way finishes.")
    log_severity_level = Field(int, -1, "Accepted, no effect: gpu_infer keeps no log.")
    log_verbosity_level = Field(int, 0, "Accepted, no effect: gpu_infer keeps no log.")
    logid = Field(str, "", "Accepted, no effect: gpu_infer keeps no log.")
    only_execute_path_to_fetches = Field(
        bool, False, "Accepted, no effect: a run executes the whole prepared plan.")

    def add_run_config_entry(self, key: str, value: str) -> None:
        """Store a config entry (kept, unused)."""
        self._add_entry(key, value)

    def get_run_config_entry(self, key: str) -> str:
        return self._get_entry(key)


def check_run_options(run_options: Any) -> None:
    """OptionError for something that is not a RunOptions; TerminatedError when it says terminate."""
    if run_options is None:
        return
    if not isinstance(run_options, RunOptions):
        raise OptionError(f"run_options must be a gpu_infer.RunOptions, got {type(run_options).__name__}")
    if run_options.terminate:
        raise TerminatedError("run refused: its RunOptions.terminate is set")
