"""Concrete input shapes -> a graph whose every tensor has a concrete shape and dtype,
with everything computable from constants folded into initializers.

Method: repeat {onnx shape inference (data propagation on) over the exported graph;
fold every node whose inputs are all constants, and Shape/Size of any tensor whose
shape is now known} until nothing folds. Shapes onnx cannot infer (ops it lacks,
data-dependent cases) are then learnt by running the remaining graph once on the CPU
kernels with zero-filled inputs. With ``partial=True`` (what the planner uses) that run
stops at nodes whose output shapes depend on input *values* (NonZero, a Reshape whose
target is computed at run time, ...): their outputs and everything after them stay
unknown, and the planner runs the graph in stages (``pipeline/stages.py``).
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import onnx

from ..errors import GpuInferError, InputError, ShapeInferenceError
from ..ir import Graph, Node, TensorInfo
from ..optimizer import constants, dead_code
from ..optimizer._graph import known_shape
from .onnx_import import export_model, info_from_proto
from .reference import run_graph, value_shaped
from .validate import validate_shapes

MAX_FOLD_ELEMENTS = 1 << 24          # bigger results stay nodes (memory, file size)
MAX_ROUNDS = 50
SHAPE_ONLY_ELEMENTS = 1 << 16        # bigger constants reach onnx shape inference as typed inputs
NEVER_FOLD = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
              "Multinomial", "Bernoulli", "Dropout"}


def specialize(graph: Graph, input_shapes: Mapping[str, tuple[int, ...]], partial: bool = False) -> Graph:
    """`partial`: leave the tensors whose shapes depend on values unknown instead of
    guessing them from a run on zeros (the result then has tensors without a shape)."""
    g = graph.copy()
    _bind_inputs(g, input_shapes)
    constants.run(g)
    for _ in range(MAX_ROUNDS):
        _infer_shapes(g)
        if not _fold(g):
            break
    dead_code.run(g)
    validate_shapes(g)
    missing = _unknown_tensors(g)
    if missing:
        _learn_by_running(g, partial)
        missing = _unknown_tensors(g)
    if partial:
        return g
    if missing:
        raise ShapeInferenceError(f"could not determine the shape/dtype of tensor '{missing[0]}' "
                                  f"({len(missing)} tensor(s) unknown)")
    g.inputs = [_known(g, i.name) for i in g.inputs]
    g.outputs = [_known(g, o.name) for o in g.outputs]
    return g


def fold_constants(graph: Graph) -> Graph:
    """Shape-free folding (once per session): every node computable from constants alone."""
    g = graph.copy()
    constants.run(g)
    while _fold(g):
        pass
    dead_code.run(g)
    return g


def _known(g: Graph, name: str) -> TensorInfo:
    info = g.info(name)
    return TensorInfo(name, info.dtype, tuple(info.shape or ()))


def _bind_inputs(g: Graph, input_shapes: Mapping[str, tuple[int, ...]]) -> None:
    names = {i.name for i in g.inputs}
    extra = sorted(set(input_shapes) - names)
    if extra:
        raise InputError(f"shape given for '{extra[0]}', which is not an input of the model "
                         f"(inputs: {sorted(names)})")
    for info in g.inputs:
        declared = info.shape
        if info.name not in input_shapes:
            if not info.is_concrete:
                raise InputError(f"input '{info.name}' has a dynamic shape {declared}: give its shape")
            shape = tuple(declared)      # type: ignore[arg-type]
        else:
            shape = tuple(int(d) for d in input_shapes[info.name])
            _check_declared(info.name, shape, declared)
        info.shape = shape
        g.value_info[info.name] = TensorInfo(info.name, info.dtype, shape)


def _check_declared(name: str, shape: tuple[int, ...], declared) -> None:
    if any(d < 0 for d in shape):
        raise InputError(f"input '{name}': negative dimension in shape {shape}")
    if declared is None:
        return
    if len(declared) != len(shape):
        raise InputError(f"input '{name}' has rank {len(declared)} {tuple(declared)}, "
                         f"got shape {shape} of rank {len(shape)}")
    for axis, (want, got) in enumerate(zip(declared, shape)):
        if isinstance(want, int) and want != got:
            raise InputError(f"input '{name}' needs dimension {axis} = {want} (declared "
                             f"{tuple(declared)}), got shape {shape}")


def _infer_shapes(g: Graph) -> None:
    try:
        inferred = onnx.shape_inference.infer_shapes(export_model(_shapes_only(g), shapes_and_fusion=False),
                                                     strict_mode=False, data_prop=True)
    except Exception:   # noqa: BLE001  (inconsistent graphs: the CPU run below says what is wrong)
        return
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        new = info_from_proto(vi)
        old = g.value_info.get(vi.name)
        if old is not None and old.is_concrete and not new.is_concrete:
            continue
        if old is not None and new.dtype is None:
            new.dtype = old.dtype
        if vi.name not in g.initializers:
            g.value_info[vi.name] = new
    _ceil_mode_pool_shapes(g)


def _shapes_only(g: Graph) -> Graph:
    """`g` with its large constants turned into inputs of the same type and shape: no shape depends
    on their values, and serializing hundreds of MB of weights cost seconds per round."""
    big = [name for name, value in g.initializers.items() if value.size > SHAPE_ONLY_ELEMENTS]
    if not big:
        return g
    light = g.copy()
    for name in big:
        value = light.initializers.pop(name)
        light.inputs.append(TensorInfo(name, value.dtype, tuple(value.shape)))
    return light


def _ceil_mode_pool_shapes(g: Graph) -> None:
    """onnx's inference of the pre-22 pools keeps a ceil_mode window that would start in the end
    padding; the spec and onnxruntime drop it: take the output size from the kernels' own rule."""
    from ..backends.cpu.ops.window import spatial_params
    for node in g.nodes:
        if node.domain or node.op_type not in ("MaxPool", "AveragePool") or not node.attr("ceil_mode", 0):
            continue
        shape = known_shape(g, node.input(0))
        if shape is None or "kernel_shape" not in node.attrs:
            continue
        try:
            out = spatial_params(node, shape[2:], list(node.attr("kernel_shape")), ceil_mode=True)[4]
        except GpuInferError:
            continue                     # validate_shapes / the kernel report it
        for name in node.outputs:
            if name in g.value_info:
                g.value_info[name].shape = tuple(shape[:2]) + tuple(out)


def _fold(g: Graph) -> bool:
    kept: list[Node] = []
    for node in g.nodes:
        values = _try_fold(g, node)
        if values is None:
            kept.append(node)
            continue
        for name, value in zip(node.outputs, values):
            if name:
                g.initializers[name] = value
                g.value_info.pop(name, None)
    changed = len(kept) != len(g.nodes)
    g.nodes = kept
    return changed


def _try_fold(g: Graph, node: Node) -> list[np.ndarray] | None:
    if node.domain or node.op_type in NEVER_FOLD or any(_has_graph(v) for v in node.attrs.values()):
        return None
    if node.op_type in ("Shape", "Size"):
        shape = known_shape(g, node.input(0))
        if shape is not None:
            return [_shape_value(node, shape)]
    if not all(i == "" or i in g.initializers for i in node.inputs) or not node.inputs:
        return None
    if node.op_type == "ConstantOfShape":
        return _uniform_fill(node, g.initializers[node.input(0)])
    for out in node.outputs:
        shape = known_shape(g, out) if out else None
        if shape is not None and math.prod(shape) > MAX_FOLD_ELEMENTS:
            return None
    from ..backends.cpu import evaluate_node
    try:
        values = evaluate_node(node, [g.initializers[i] if i else None for i in node.inputs])
    except Exception:   # noqa: BLE001  (no kernel, or it refuses: the node stays and runs later)
        return None
    if any(v.size > MAX_FOLD_ELEMENTS for v in values):
        return None
    return values


def _uniform_fill(node: Node, dims: np.ndarray) -> list[np.ndarray] | None:
    """ConstantOfShape's result as a read-only zero-stride view of its one value: it holds no
    memory, so no size cap applies (onnx's light_* models make their weights this way, up to
    1e8 values; a backend stores such a constant once, contiguous, when it uploads it)."""
    if dims.ndim != 1 or dims.dtype != np.int64 or np.any(dims < 0):
        return None                      # validate_shapes / the kernel report it
    from ..backends.cpu import evaluate_node
    try:
        (one,) = evaluate_node(node, [np.ones_like(dims)])
    except Exception:   # noqa: BLE001  (a malformed value: the node stays and validation says why)
        return None
    return [np.broadcast_to(one.reshape(-1)[:1].reshape(()), tuple(int(d) for d in dims))]


def _has_graph(value) -> bool:
    return isinstance(value, Graph) or (isinstance(value, list) and any(isinstance(v, Graph) for v in value))


def _shape_value(node: Node, shape: tuple[int, ...]) -> np.ndarray:
    if node.op_type == "Size":
        return np.array(math.prod(shape), np.int64)
    start, end = node.attr("start", 0), node.attr("end", None)
    return np.array(shape[start:end], np.int64)


def _unknown_tensors(g: Graph) -> list[str]:
    out = []
    for name in g.iter_tensors():
        info = g.info(name) if name in g.initializers or name in g.value_info else None
        if info is None or not info.is_concrete or info.dtype is None:
            out.append(name)
    return out


def _learn_by_running(g: Graph, partial: bool) -> None:
    feeds = {i.name: np.zeros(i.shape, i.dtype or np.float32) for i in g.inputs}
    try:
        env = run_graph(g, feeds, stop=value_shaped if partial else None)
    except GpuInferError:
        raise
    except Exception as exc:   # noqa: BLE001
        raise ShapeInferenceError(f"shape inference failed and running the graph on zeros to learn "
                                  f"shapes failed too: {exc}") from exc
    for name, value in env.items():
        if name not in g.initializers:
            g.value_info[name] = TensorInfo(name, value.dtype, tuple(value.shape))
