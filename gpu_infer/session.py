"""InferenceSession: the public API (onnxruntime-like).

Loading, checking and the shape-free optimization happen once per session, and so does the
preparation of weights (each backend uploads a constant once, for every plan). Pre-inference
(shapes and folding, placement, copies, memory plan, executions resized) runs once per
distinct set of input shapes and is cached; ``run`` then replays the prepared steps.

Threads: ``run`` may be called from any number of threads at once, on one session or many
(each concurrent run of a plan gets an instance of its own: memory, bound kernels, command
buffers). ``close()`` (or leaving a ``with`` block, or dropping the last reference) frees the
session's device memory; runs in flight finish first.
"""
from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Collection, Sequence

import numpy as np
import onnx

from .backends.base import Backend
from .backends.cpu import CPU_REGISTRY
from .errors import GpuInferError, InputError, UnsupportedOpError
from .feeds import feed_array
from .frontend import fold_constants, graph_from_onnx, load_model
from .ir import Graph, TensorInfo
from .optimizer import optimize
from .ort_compat import ModelMetadata, RunOptions, SessionOptions, check_run_options
from .ort_compat.export import save_optimized_model
from .ort_compat.profiling import Profiler
from .ort_compat.settings import resolve_session_settings
from .pipeline import PlanCache, plan_builder
from .pipeline.backend_choice import make_backends
from .pipeline.memory import MemoryPlan
from .pipeline.plan import Plan

_ONNX_TYPE_NAMES = {np.dtype(np.float32): "tensor(float)", np.dtype(np.float64): "tensor(double)",
                    np.dtype(np.float16): "tensor(float16)", np.dtype(np.int64): "tensor(int64)",
                    np.dtype(np.int32): "tensor(int32)", np.dtype(np.int16): "tensor(int16)",
                    np.dtype(np.int8): "tensor(int8)", np.dtype(np.uint8): "tensor(uint8)",
                    np.dtype(np.uint16): "tensor(uint16)", np.dtype(np.uint32): "tensor(uint32)",
                    np.dtype(np.uint64): "tensor(uint64)", np.dtype(np.bool_): "tensor(bool)",
                    np.dtype(object): "tensor(string)"}


@dataclass(frozen=True)
class NodeArg:
    """What get_inputs()/get_outputs() return, as in onnxruntime."""
    name: str
    shape: list[Any]          # ints, symbolic names (str) or None
    type: str


def _node_arg(info: TensorInfo) -> NodeArg:
    type_name = _ONNX_TYPE_NAMES.get(np.dtype(info.dtype), str(info.dtype)) if info.dtype is not None else None
    return NodeArg(info.name, list(info.shape) if info.shape is not None else None, type_name)


class _Resources:
    """What a session must free: its plans and its backends. Kept apart from the session so
    that the finalizer can run without a reference to it."""

    def __init__(self, backends: list[Backend], cache: PlanCache | None = None):
        self.backends = backends
        self.cache = cache
        self.lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
        if self.cache is not None:
            self.cache.release_all()
        for b in self.backends:
            b.close()


class InferenceSession:
    """Run an ONNX model on the best (or the named) backend; onnxruntime's constructor and methods.

    providers: onnxruntime-style preference list ("VulkanExecutionProvider", "OpenCLExecutionProvider",
    "CPUExecutionProvider", or (name, {"precision": ..., "strict": ...}) tuples); see ort_compat.settings.
    backend: "auto" | "cpu" | "opencl" | "vulkan"; precision: "fp32" (default) | "fp16" | "auto"
    (also "fp16-storage", "fp16-arith"); strict=True refuses to fall back to the CPU
    backend and names every node the chosen backend cannot run; optimize_graph=False skips the
    optimizer; fp32_nodes names nodes pinned to FP32 whatever the precision (for layers that
    overflow in FP16).
    """

    def __init__(self, path_or_bytes: str | os.PathLike | bytes | onnx.ModelProto,
                 sess_options: SessionOptions | None = None,
                 providers: Sequence[str | tuple[str, dict[str, Any]]] | None = None,
                 provider_options: Sequence[dict[str, Any]] | None = None, *, backend: str | None = None,
                 precision: str | None = None, strict: bool | None = None, optimize_graph: bool | None = None,
                 fp32_nodes: Collection[str] = ()):
        settings = resolve_session_settings(sess_options, providers, provider_options, backend=backend,
                                            precision=precision, strict=strict, optimize_graph=optimize_graph)
        self._settings = settings
        self._profiler = Profiler.if_enabled(settings.options)
        model = load_model(path_or_bytes)
        graph = graph_from_onnx(model)
        self._modelmeta = ModelMetadata.from_proto(model)
        self._io_inputs = [TensorInfo(i.name, i.dtype, i.shape) for i in graph.inputs]
        self._io_outputs = [TensorInfo(o.name, o.dtype, o.shape) for o in graph.outputs]
        # built once: run() looks names up here (its Python work is part of every run's latency)
        self._expected = {i.name: i for i in self._io_inputs}
        self._output_index = {o.name: k for k, o in enumerate(self._io_outputs)}
        self.backend_name = settings.backend
        self.precision = settings.precision
        self.strict = settings.strict
        self.optimize_graph = settings.optimize_graph
        _check_ops_known(graph)
        self.resolved_precision = settings.resolved_precision   # "auto" / "fp16" as the device has them
        # shape-free work, once per session: constants folded, the graph optimized
        self.graph: Graph = optimize(fold_constants(graph)) if self.optimize_graph else graph
        save_optimized_model(self.graph, settings)
        backends = make_backends(self.backend_name, self.precision)
        self._resources = _Resources(backends)
        self._finalizer = weakref.finalize(self, _Resources.close, self._resources)
        build = plan_builder(backends, self.strict, self.optimize_graph, frozenset(fp32_nodes))
        self._cache = self._resources.cache = PlanCache(self.graph, build)
        static = self._static_input_shapes()
        if static is not None and not self._cache.value_inputs:
            # pre-inference at load time (the arrays only carry shape and dtype: zero strides, no memory)
            self._cache.plan_for({k: np.broadcast_to(np.zeros((), dtype), v) for k, (v, dtype) in static.items()})
        if self._profiler is not None:
            self._profiler.session_initialized()

    # -- metadata ------------------------------------------------------------
    def get_inputs(self) -> list[NodeArg]:
        return [_node_arg(i) for i in self._io_inputs]

    def get_outputs(self) -> list[NodeArg]:
        return [_node_arg(o) for o in self._io_outputs]

    def placement(self, feeds: dict[str, np.ndarray] | None = None) -> list[tuple[str, str, str]]:
        """(node name, op type, backend) for every node of the plan of `feeds`' shapes (default: last plan)."""
        return self._plan_for(feeds).placement

    def memory_plan(self, feeds: dict[str, np.ndarray] | None = None) -> MemoryPlan:
        return self._plan_for(feeds).memory

    def copies(self, feeds: dict[str, np.ndarray] | None = None) -> list[str]:
        """Every crossing between backends (or formats) in the plan, as 'copy:<tensor> <src>-><dst>'."""
        return self._plan_for(feeds).copy_labels

    # -- onnxruntime's session metadata ------------------------------------------
    def get_modelmeta(self) -> ModelMetadata:
        return self._modelmeta

    def get_providers(self) -> list[str]:
        """The providers this session uses, in order: its backend's, then the CPU fallback unless strict."""
        return list(self._settings.providers)

    def get_provider_options(self) -> dict[str, dict[str, str]]:
        return {k: dict(v) for k, v in self._settings.provider_options.items()}

    def get_session_options(self) -> SessionOptions:
        """A copy of the options as the session applies them (optimize_graph and strict included)."""
        return self._settings.options.copy()

    def end_profiling(self) -> str:
        """Stop profiling and write the Chrome-trace JSON; its path, or '' when not profiling."""
        profiler, self._profiler = self._profiler, None
        return profiler.end() if profiler is not None else ""

    @property
    def backends(self) -> list[Backend]:
        """This session's backends, preferred first, the host (CPU) last."""
        return list(self._resources.backends)

    # -- running -------------------------------------------------------------
    def run(self, output_names: Sequence[str] | None, input_feed: dict[str, Any],
            run_options: RunOptions | None = None) -> list[np.ndarray]:
        """Outputs named in `output_names` (all when None or empty) for `input_feed`: input name ->
        ndarray, or a list / tuple / scalar, converted to the input's dtype. Safe from many threads."""
        check_run_options(run_options)
        if isinstance(output_names, str):
            raise InputError(f"output_names must be a list of names, got the str {output_names!r}")
        index = self._output_index
        missing = [n for n in output_names or () if n not in index]
        if missing:
            raise InputError(f"unknown output name(s) {missing}; the model's outputs are {list(index)}")
        arrays = self._check_feeds(input_feed)
        profiler = self._profiler
        if profiler is not None:
            plan, feeds = self._plan_and_feeds(arrays)
            results = profiler.run(plan, feeds)
        else:
            results = self._cache.run(arrays)
        if not output_names:
            return results
        return [results[index[n]] for n in output_names]

    def profile(self, feeds: dict[str, Any]) -> list[tuple[str, str, float]]:
        """One run, step by step, each step finished before the next: (step, backend, seconds)."""
        plan, arrays = self._plan_and_feeds(self._check_feeds(feeds))
        return plan.profile(arrays)[1]

    def plan_for(self, feeds: dict[str, Any]) -> tuple[Plan, dict[str, np.ndarray]]:
        """The plan this session runs for `feeds` (checked and converted as run() does) and the
        feeds that plan takes (inputs whose values decide shapes are bound into it): for the tools
        that look inside one run (check, bench --profile, bench --tune)."""
        return self._plan_and_feeds(self._check_feeds(feeds))

    def _plan_and_feeds(self, arrays: dict[str, np.ndarray]) -> tuple[Plan, dict[str, np.ndarray]]:
        return (self._cache.plan_for(arrays),
                {k: v for k, v in arrays.items() if k not in self._cache.value_inputs})

    # -- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        """Free the session's plans and device memory; later calls raise. Idempotent."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._resources.closed

    def __enter__(self) -> "InferenceSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------
    def _static_input_shapes(self) -> dict[str, tuple[tuple[int, ...], np.dtype]] | None:
        shapes = {}
        for i in self.graph.inputs:
            if i.shape is None or not all(isinstance(d, int) and d >= 0 for d in i.shape):
                return None
            shapes[i.name] = (tuple(i.shape), np.dtype(i.dtype) if i.dtype is not None else np.float32)
        return shapes

    def _check_open(self) -> None:
        if self._resources.closed:
            raise GpuInferError("this InferenceSession is closed")

    def _check_feeds(self, feeds: dict[str, Any]) -> dict[str, np.ndarray]:
        self._check_open()
        if not isinstance(feeds, dict):
            raise InputError(f"feeds must be a dict of input name -> array, got {type(feeds).__name__}")
        expected = self._expected
        if len(feeds) != len(expected) or any(k not in expected for k in feeds):
            unknown = [k for k in feeds if k not in expected]
            if unknown:
                raise InputError(f"unknown input name(s) {unknown}; the model's inputs are {list(expected)}")
            raise InputError(f"missing input(s) {[k for k in expected if k not in feeds]}")
        arrays = {}
        for name, info in expected.items():
            arr = feed_array(name, feeds[name], info.dtype)
            if info.dtype is not None and arr.dtype != info.dtype:
                if arr.dtype.kind == "U" and np.dtype(info.dtype) == np.dtype(object):
                    arr = arr.astype(object)
                else:
                    raise InputError(f"input {name!r} has dtype {arr.dtype}, the model expects "
                                     f"{np.dtype(info.dtype)}")
            if info.shape is not None:
                if arr.ndim != len(info.shape):
                    raise InputError(f"input {name!r} has rank {arr.ndim} (shape {arr.shape}), the model "
                                     f"expects rank {len(info.shape)} {list(info.shape)}")
                bad = [(k, d, s) for k, (d, s) in enumerate(zip(info.shape, arr.shape))
                       if isinstance(d, int) and d >= 0 and d != s]
                if bad:
                    k, d, s = bad[0]
                    raise InputError(f"input {name!r} has shape {arr.shape}, the model expects "
                                     f"{list(info.shape)} (dimension {k} must be {d}, got {s})")
            arrays[name] = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)   # (keeps 0-d)
        return arrays

    def _plan_for(self, feeds: dict[str, np.ndarray] | None) -> Plan:
        if feeds is not None:
            return self._cache.plan_for(self._check_feeds(feeds))
        self._check_open()
        plan = self._cache.latest()
        if plan is None:
            raise InputError("the model has dynamic input shapes: pass feeds (or run once) first")
        return plan


def _check_ops_known(graph: Graph) -> None:
    unknown = sorted({(n.op_type, n.domain, n.opset) for n in graph.nodes
                      if n.domain not in ("", "ai.onnx") or n.op_type not in CPU_REGISTRY})
    if unknown:
        names = ", ".join(f"{op} (domain '{d or 'ai.onnx'}', opset {v})" for op, d, v in unknown)
        raise UnsupportedOpError(f"the model uses op(s) gpu_infer does not implement: {names}")
