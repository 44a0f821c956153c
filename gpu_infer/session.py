"""InferenceSession: the public API (onnxruntime-like).

Pre-inference (shape inference and folding, optimization, placement, copies,
memory plan, executions resized) runs once per distinct set of input shapes and
is cached; ``run`` then replays the prepared steps.
"""
from __future__ import annotations

import collections
import os
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import onnx

from .backends.cpu import CPU_REGISTRY
from .errors import InputError, UnsupportedOpError
from .feeds import feed_array
from .frontend import graph_from_onnx, load_model
from .ir import Graph
from .ort_compat import ModelMetadata, RunOptions, SessionOptions, check_run_options
from .ort_compat.export import save_optimized_model
from .ort_compat.profiling import Profiler
from .ort_compat.settings import resolve_session_settings
from .pipeline import prepare
from .pipeline.backend_choice import make_backends
from .pipeline.plan import MemoryPlan, Plan
from .pipeline.value_inputs import shape_value_inputs

_ONNX_TYPE_NAMES = {np.dtype(np.float32): "tensor(float)", np.dtype(np.float64): "tensor(double)",
                    np.dtype(np.float16): "tensor(float16)", np.dtype(np.int64): "tensor(int64)",
                    np.dtype(np.int32): "tensor(int32)", np.dtype(np.int16): "tensor(int16)",
                    np.dtype(np.int8): "tensor(int8)", np.dtype(np.uint8): "tensor(uint8)",
                    np.dtype(np.uint16): "tensor(uint16)", np.dtype(np.uint32): "tensor(uint32)",
                    np.dtype(np.uint64): "tensor(uint64)", np.dtype(np.bool_): "tensor(bool)",
                    np.dtype(object): "tensor(string)"}
PLAN_CACHE_SIZE = 8


@dataclass(frozen=True)
class NodeArg:
    """What get_inputs()/get_outputs() return, as in onnxruntime."""
    name: str
    shape: list[Any]          # ints, symbolic names (str) or None
    type: str


class InferenceSession:
    """Run an ONNX model on the best (or the named) backend; onnxruntime's constructor and methods.

    providers: onnxruntime-style preference list ("VulkanExecutionProvider", "OpenCLExecutionProvider",
    "CPUExecutionProvider", or (name, {"precision": ..., "strict": ...}) tuples); see ort_compat.settings.
    backend: "auto" | "cpu" | "opencl" | "vulkan"; precision: "fp32" (default) | "fp16" | "auto"
    (also "fp16-storage", "fp16-arith"); strict=True refuses to fall back to the CPU
    backend and names every node the chosen backend cannot run; optimize_graph=False skips the optimizer.
    """

    def __init__(self, path_or_bytes: str | os.PathLike | bytes | onnx.ModelProto,
                 sess_options: SessionOptions | None = None,
                 providers: Sequence[str | tuple[str, dict[str, Any]]] | None = None,
                 provider_options: Sequence[dict[str, Any]] | None = None, *, backend: str | None = None,
                 precision: str | None = None, strict: bool | None = None, optimize_graph: bool | None = None):
        settings = resolve_session_settings(sess_options, providers, provider_options, backend=backend,
                                            precision=precision, strict=strict, optimize_graph=optimize_graph)
        self._settings = settings
        self._profiler = Profiler.if_enabled(settings.options)
        model = load_model(path_or_bytes)
        self.graph: Graph = graph_from_onnx(model)
        self._modelmeta = ModelMetadata.from_proto(model)
        self.backend_name = settings.backend
        self.precision = settings.precision
        self.strict = settings.strict
        self.optimize_graph = settings.optimize_graph
        self._plans: collections.OrderedDict[tuple, Plan] = collections.OrderedDict()
        self._check_ops_known()
        self._value_inputs = shape_value_inputs(self.graph)
        self.resolved_precision = settings.resolved_precision   # "auto" / "fp16" as the device has them
        save_optimized_model(self.graph, settings)
        static = self._static_input_shapes()
        if static is not None and not self._value_inputs:
            self._plan(static)                              # pre-inference at load time
        if self._profiler is not None:
            self._profiler.session_initialized()

    # -- metadata ------------------------------------------------------------
    def get_inputs(self) -> list[NodeArg]:
        return [NodeArg(i.name, list(i.shape) if i.shape is not None else None,
                        _ONNX_TYPE_NAMES.get(np.dtype(i.dtype), str(i.dtype))) for i in self.graph.inputs]

    def get_outputs(self) -> list[NodeArg]:
        return [NodeArg(o.name, list(o.shape) if o.shape is not None else None,
                        _ONNX_TYPE_NAMES.get(np.dtype(o.dtype), str(o.dtype)) if o.dtype is not None else None)
                for o in self.graph.outputs]

    def placement(self, feeds: dict[str, np.ndarray] | None = None) -> list[tuple[str, str, str]]:
        """(node name, op type, backend) for every node of the plan of `feeds`' shapes (default: last plan)."""
        return self._plan_for(feeds).placement

    def memory_plan(self, feeds: dict[str, np.ndarray] | None = None) -> MemoryPlan:
        return self._plan_for(feeds).memory

    def copies(self, feeds: dict[str, np.ndarray] | None = None) -> list[str]:
        """Every crossing between backends in the plan, as 'copy:<tensor> <src>-><dst>'."""
        return [s.label for s in self._plan_for(feeds).steps if s.is_copy]

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

    # -- running -------------------------------------------------------------
    def run(self, output_names: Sequence[str] | None, input_feed: dict[str, Any],
            run_options: RunOptions | None = None) -> list[np.ndarray]:
        """Outputs named in `output_names` (all when None or empty) for `input_feed`: input name ->
        ndarray, or a list / tuple / scalar, converted to the input's dtype."""
        check_run_options(run_options)
        arrays = self._check_feeds(input_feed)
        plan, profiler = self._plan_of(arrays), self._profiler
        results = profiler.run(plan, arrays) if profiler is not None else plan.run(arrays)
        if not output_names:
            return results
        if isinstance(output_names, str):
            raise InputError(f"output_names must be a list of names, got the str {output_names!r}")
        index = {o.name: i for i, o in enumerate(self.graph.outputs)}
        missing = [n for n in output_names if n not in index]
        if missing:
            raise InputError(f"unknown output name(s) {missing}; the model's outputs are {list(index)}")
        return [results[index[n]] for n in output_names]

    def profile(self, feeds: dict[str, Any]) -> list[tuple[str, str, float]]:
        """One run, step by step, each step finished before the next: (step, backend, seconds)."""
        arrays = self._check_feeds(feeds)
        return self._plan_of(arrays).profile(arrays)

    # -- internals -------------------------------------------------------------
    def _check_ops_known(self) -> None:
        unknown = sorted({(n.op_type, n.domain, n.opset) for n in self.graph.nodes
                          if n.domain not in ("", "ai.onnx") or n.op_type not in CPU_REGISTRY})
        if unknown:
            names = ", ".join(f"{op} (domain '{d or 'ai.onnx'}', opset {v})" for op, d, v in unknown)
            raise UnsupportedOpError(f"the model uses op(s) gpu_infer does not implement: {names}")

    def _static_input_shapes(self) -> dict[str, tuple[int, ...]] | None:
        shapes = {}
        for i in self.graph.inputs:
            if i.shape is None or not all(isinstance(d, int) and d >= 0 for d in i.shape):
                return None
            shapes[i.name] = tuple(i.shape)
        return shapes

    def _check_feeds(self, feeds: dict[str, Any]) -> dict[str, np.ndarray]:
        if not isinstance(feeds, dict):
            raise InputError(f"feeds must be a dict of input name -> array, got {type(feeds).__name__}")
        expected = {i.name: i for i in self.graph.inputs}
        unknown = [k for k in feeds if k not in expected]
        if unknown:
            raise InputError(f"unknown input name(s) {unknown}; the model's inputs are {list(expected)}")
        missing = [k for k in expected if k not in feeds]
        if missing:
            raise InputError(f"missing input(s) {missing}")
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
            return self._plan_of(self._check_feeds(feeds))
        if not self._plans:
            raise InputError("the model has dynamic input shapes: pass feeds (or run once) first")
        return next(reversed(self._plans.values()))

    def _plan_of(self, arrays: dict[str, np.ndarray]) -> Plan:
        values = {k: v for k, v in arrays.items() if k in self._value_inputs}
        return self._plan({k: v.shape for k, v in arrays.items()}, values)

    def _plan(self, shapes: dict[str, tuple[int, ...]], values: dict[str, np.ndarray] | None = None) -> Plan:
        """The plan for these input shapes (and values of shape-deciding inputs), cached."""
        values = values or {}
        key = (tuple(sorted((k, tuple(v)) for k, v in shapes.items())),
               tuple(sorted((k, v.dtype.str, v.tobytes()) for k, v in values.items())))
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
            return plan
        graph = self.graph
        if values:
            graph = graph.copy()
            graph.initializers.update({k: v.copy() for k, v in values.items()})
            graph.inputs = [i for i in graph.inputs if i.name not in values]
            shapes = {k: v for k, v in shapes.items() if k not in values}
        plan = prepare(graph, {k: tuple(v) for k, v in shapes.items()},
                       make_backends(self.backend_name, self.precision), self.strict, self.optimize_graph)
        self._plans[key] = plan
        if len(self._plans) > PLAN_CACHE_SIZE:
            _, old = self._plans.popitem(last=False)
            old.release()
        return plan
