"""Reject invalid models before anything runs, as onnxruntime does.

Each check reads what is known about a node's tensors and skips what is not, so
one set of checks serves two moments:

- :func:`validate_model`, when the model is loaded (end of ``graph_from_onnx``):
  attributes, constants, the declared shapes of graph inputs and the element types
  they imply (propagated through the ops' type constraints). A failure is a
  ``ModelLoadError``: the model is wrong whatever shapes it is fed.
- :func:`validate_shapes`, in ``specialize()`` once shape inference and constant
  folding have given the tensors their shapes and types (before anything runs). A
  failure that only now shows is a ``ShapeInferenceError``: the model is wrong for
  these input shapes (or for the values of shape-deciding inputs).

Every message names the node (``Node.describe()``), the attribute or input, the bad
value and what was expected.
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict
from typing import Any, Callable, NoReturn, Sequence

import numpy as np
import onnx

from ..errors import GpuInferError, ModelLoadError, ShapeInferenceError
from ..ir import Graph, Node
from ..optimizer.constants import constant_value

Dims = tuple[int | None, ...]           # a known rank; None where a dimension is not known


def validate_model(graph: Graph) -> None:
    """Shape-free checks, with what the model itself declares (ModelLoadError)."""
    facts = _Facts(graph, ModelLoadError)
    facts.declared = {name: np.dtype(info.dtype) for name, info in graph.value_info.items()
                      if info.dtype is not None}
    for info in graph.inputs:
        facts.record(info.name, info.dtype, info.shape)
    for node in graph.nodes:
        if node.op_type == "Constant" and not node.domain and node.outputs:
            value = constant_value(node)
            if value is not None:
                facts.record(node.outputs[0], value.dtype, value.shape, value)
    facts.check_nodes()


def validate_shapes(graph: Graph) -> None:
    """Every check, now that every tensor's shape and type is known (ShapeInferenceError)."""
    facts = _Facts(graph, ShapeInferenceError)
    for name, info in graph.value_info.items():
        facts.record(name, info.dtype, info.shape)
    facts.check_nodes()


class _Facts:
    """Element type, shape and constant value of the tensors known so far."""

    def __init__(self, graph: Graph, error: type[GpuInferError]):
        self.graph, self.error = graph, error
        self.dtypes: dict[str, np.dtype] = {}
        self.dims: dict[str, Dims] = {}
        self.values: dict[str, np.ndarray] = dict(graph.initializers)
        self.declared: dict[str, np.dtype] = {}       # element types the model states for its tensors
        for name, value in graph.initializers.items():
            self.record(name, value.dtype, value.shape)

    def record(self, name: str, dtype: np.dtype | None, shape: Sequence | None,
               value: np.ndarray | None = None) -> None:
        if dtype is not None:
            self.dtypes[name] = np.dtype(dtype)
        if shape is not None:
            self.dims[name] = tuple(d if isinstance(d, int) and d >= 0 else None for d in shape)
        if value is not None:
            self.values[name] = value

    def check_nodes(self) -> None:
        for node in self.graph.nodes:
            if node.domain:
                continue
            view = _View(node, self)
            _check_types(view)
            for check in _CHECKS.get(node.op_type, ()):
                check(view)


class _View:
    """One node's tensors and attributes, as the checks read them."""

    def __init__(self, node: Node, facts: _Facts):
        self.node, self.facts = node, facts
        self.op, self.opset = node.op_type, node.opset

    def attr(self, key: str, default: Any = None) -> Any:
        return self.node.attr(key, default)

    def dims(self, i: int) -> Dims | None:
        return self.facts.dims.get(self.node.input(i))

    def rank(self, i: int) -> int | None:
        d = self.dims(i)
        return None if d is None else len(d)

    def shape(self, i: int) -> tuple[int, ...] | None:
        """Input i's shape when every dimension is known."""
        d = self.dims(i)
        return d if d is not None and None not in d else None   # type: ignore[return-value]

    def dtype(self, i: int) -> np.dtype | None:
        return self.facts.dtypes.get(self.node.input(i))

    def value(self, i: int) -> np.ndarray | None:
        return self.facts.values.get(self.node.input(i)) if self.node.input(i) else None

    def ints(self, i: int | None, key: str | None) -> list[int] | None:
        """A list of ints from input i (a constant) or, where given, attribute `key`."""
        if key is not None and key in self.node.attrs:
            return [int(v) for v in np.asarray(self.node.attrs[key]).reshape(-1)]
        value = self.value(i) if i is not None else None
        if value is None or value.dtype.kind not in "biu":
            return None                               # (a wrong element type is _check_types' to report)
        return [int(v) for v in value.reshape(-1)]

    def name(self, i: int) -> str:
        return f"input {i} '{self.node.input(i)}'"

    def fail(self, subject: str, got: Any, expected: str) -> NoReturn:
        raise self.facts.error(f"{self.node.describe()}: {subject} = {got}; {expected}")


# ---------------------------------------------------------------- element types

@functools.lru_cache(maxsize=None)
def _type_str(dtype: np.dtype) -> str:
    if dtype == np.dtype(object):
        return "tensor(string)"
    try:
        return f"tensor({onnx.TensorProto.DataType.Name(onnx.helper.np_dtype_to_tensor_dtype(dtype)).lower()})"
    except (KeyError, ValueError, TypeError):
        return f"tensor({dtype})"


@functools.lru_cache(maxsize=None)
def _type_str_dtype(type_str: str) -> np.dtype | None:
    name = type_str[len("tensor("):-1].upper() if type_str.startswith("tensor(") else ""
    try:
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(onnx.TensorProto.DataType.Value(name)))
    except (KeyError, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=None)
def _signature(op: str, opset: int) -> tuple | None:
    """(inputs, outputs, constraints) of the op's schema; a formal is (name, type_str, variadic, homogeneous)."""
    try:
        schema = onnx.defs.get_schema(op, opset, "")
    except onnx.defs.SchemaError:
        return None
    variadic = onnx.defs.OpSchema.FormalParameterOption.Variadic
    formals = [tuple((p.name, p.type_str, p.option == variadic, p.is_homogeneous) for p in params)
               for params in (schema.inputs, schema.outputs)]
    constraints = {c.type_param_str: frozenset(c.allowed_type_strs) for c in schema.type_constraints}
    return formals[0], formals[1], constraints


def _formal(formals: tuple, i: int) -> tuple | None:
    if i < len(formals):
        return formals[i]
    return formals[-1] if formals and formals[-1][2] else None


@functools.lru_cache(maxsize=4096)
def _typing(op: str, opset: int, in_types: tuple[np.dtype | None, ...], n_out: int) -> tuple:
    """(problem, output types) of an `op` node whose inputs have these element types (None where
    absent or unknown): problem is None or (input index, what, the type found, what was expected);
    an output's type is known where the schema ties it to the inputs or allows a single one."""
    signature = _signature(op, opset)
    if signature is None:
        return None, (None,) * n_out
    inputs, outputs, constraints = signature
    bound: dict[str, np.dtype] = {}
    for i, dtype in enumerate(in_types):
        formal = _formal(inputs, i)
        if formal is None or dtype is None:
            continue
        param, type_str = formal[1], _type_str(dtype)
        allowed = constraints.get(param, frozenset([param]))
        if type_str not in allowed:
            return (i, f" ({formal[0]})", type_str, f"expected one of {', '.join(sorted(allowed))}"), ()
        if param in constraints and formal[3]:
            if param in bound and bound[param] != dtype:
                return (i, "", type_str, f"expected {_type_str(bound[param])}, as the other '{param}' inputs"), ()
            bound[param] = dtype
    out_types: list[np.dtype | None] = []
    for i in range(n_out):
        formal = _formal(outputs, i)
        if formal is None or not formal[3]:
            out_types.append(None)
            continue
        allowed = constraints.get(formal[1], frozenset([formal[1]]))
        single = _type_str_dtype(next(iter(allowed))) if len(allowed) == 1 else None
        out_types.append(bound.get(formal[1]) or single)
    return None, tuple(out_types)


def _check_types(v: _View) -> None:
    """Each input's element type is one the op's schema allows and type variables bind
    consistently; outputs whose type follows get it (so later nodes can be checked), and
    must agree with the type the model declares for them."""
    in_types = tuple(v.dtype(i) if name else None for i, name in enumerate(v.node.inputs))
    problem, out_types = _typing(v.op, v.opset, in_types, len(v.node.outputs))
    if problem is not None:
        i, what, found, expected = problem
        v.fail(f"the element type of {v.name(i)}{what}", found, expected)
    for i, (name, dtype) in enumerate(zip(v.node.outputs, out_types)):
        if not name or dtype is None or name in v.facts.dtypes:
            continue
        declared = v.facts.declared.get(name)
        if declared is not None and declared != dtype:
            v.fail(f"the element type the model declares for output {i} '{name}'", _type_str(declared),
                   f"expected {_type_str(dtype)}, the type the node computes")
        v.facts.dtypes[name] = dtype


# ---------------------------------------------------------------- per-op checks

_CHECKS: dict[str, list[Callable[[_View], None]]] = defaultdict(list)


def _check(*ops: str) -> Callable:
    def register(fn: Callable[[_View], None]) -> Callable[[_View], None]:
        for op in ops:
            _CHECKS[op].append(fn)
        return fn
    return register


def _in_range(v: _View, subject: str, value: int, rank: int, extra: int = 0, below: int | None = None) -> None:
    """`value` is an axis of a rank-`rank` tensor, or of one `extra` axes longer (counting
    `below` of those extra axes from the end too; all of them by default)."""
    top, bottom = rank + extra, -(rank + (extra if below is None else below))
    if not bottom <= value < top:
        v.fail(subject, value, f"expected an axis in [{bottom}, {top - 1}] (rank {rank})")


# op -> (attribute name or input index holding the axis, input whose rank bounds it,
#        axes allowed past the last, of which also counted from the end)
_AXIS: dict[str, tuple[str | int, int, int, int]] = {
    **{op: ("axis", 0, 0, 0) for op in ("Gather", "GatherElements", "ScatterElements", "Scatter", "Concat",
                                        "Split", "Softmax", "LogSoftmax", "Hardmax", "ArgMax", "ArgMin",
                                        "LayerNormalization", "Compress", "LpNormalization")},
    "Flatten": ("axis", 0, 1, 0), "OneHot": ("axis", 0, 1, 1), "CumSum": (1, 0, 0, 0),
}


@_check(*_AXIS)
def _axis(v: _View) -> None:
    where, bounded_by, extra, below = _AXIS[v.op]
    if isinstance(where, str):
        if where not in v.node.attrs:
            return
        value, subject = int(v.attr(where)), f"attribute {where}"
    else:
        const = v.value(where)
        if const is None:
            return
        if const.size != 1:
            v.fail(f"{v.name(where)} (the axis)", f"of shape {const.shape}", "expected a scalar")
        value, subject = int(const.reshape(())), f"{v.name(where)} (the axis)"
    rank = v.rank(bounded_by)
    if rank is not None:
        _in_range(v, subject, value, rank, extra, below)


_AXES_OPS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
             "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "Squeeze", "Unsqueeze")


@_check(*_AXES_OPS)
def _axes(v: _View) -> None:
    as_input = v.opset >= (13 if v.op in ("Squeeze", "Unsqueeze", "ReduceSum") else 18)
    axes = v.ints(1, None) if as_input else v.ints(None, "axes")
    rank = v.rank(0)
    if not axes or rank is None:
        return
    extra = len(axes) if v.op == "Unsqueeze" else 0
    for a in axes:
        _in_range(v, "an entry of axes", a, rank, extra)
    normal = [a % (rank + extra) for a in axes]
    if len(set(normal)) != len(normal):
        v.fail("axes", axes, "expected each axis once")
    dims = v.dims(0)
    if v.op == "Squeeze" and dims is not None:
        for a in normal:
            if dims[a] not in (1, None):
                v.fail(f"dimension {a} of {v.name(0)} (squeezed)", dims[a], "expected 1")


@_check("Transpose")
def _transpose(v: _View) -> None:
    perm = v.ints(None, "perm")
    rank = v.rank(0)
    if perm is None:
        return
    if sorted(perm) != list(range(len(perm))) or (rank is not None and len(perm) != rank):
        size = rank if rank is not None else len(perm)
        v.fail("attribute perm", perm, f"expected a permutation of 0..{size - 1}")


def _positive_ints(v: _View, key: str, values: Sequence[int] | None, low: int, count: int | None) -> None:
    if values is None:
        return
    if count is not None and len(values) != count:
        v.fail(f"attribute {key}", list(values), f"expected {count} values")
    if any(x < low for x in values):
        v.fail(f"attribute {key}", list(values), f"expected every value >= {low}")


_CONVS = ("Conv", "ConvTranspose")


@_check("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool")
def _window(v: _View) -> None:
    """Kernel, strides, dilations, pads, group and channels of convolutions and pools."""
    kernel = v.ints(None, "kernel_shape")
    weight = v.dims(1) if v.op in _CONVS else None
    rank = v.rank(0)
    if kernel is not None:
        nd: int | None = len(kernel)
    elif weight is not None:
        nd = len(weight) - 2
    else:
        nd = rank - 2 if rank is not None else None
    _positive_ints(v, "kernel_shape", kernel, 1, None)
    _positive_ints(v, "strides", v.ints(None, "strides"), 1, nd)
    _positive_ints(v, "dilations", v.ints(None, "dilations"), 1, nd)
    if v.attr("auto_pad", "NOTSET") == "NOTSET":
        _positive_ints(v, "pads", v.ints(None, "pads"), 0, None if nd is None else 2 * nd)
    if v.attr("auto_pad", "NOTSET") not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
        v.fail("attribute auto_pad", repr(v.attr("auto_pad")), "expected NOTSET, SAME_UPPER, SAME_LOWER or VALID")
    if rank is not None and (rank < 3 or (nd is not None and rank != nd + 2)):
        v.fail(f"the rank of {v.name(0)}", rank, f"expected {nd + 2 if nd else 'at least 3'} (N, C and the "
                                                 "spatial axes of the kernel)")
    if v.op in _CONVS:
        _conv_channels(v, kernel, weight)
    if v.op == "Conv" and nd is not None:
        _conv_fits(v, kernel or (list(weight[2:]) if weight is not None else None), nd)


def _conv_fits(v: _View, kernel: Sequence[int | None] | None, nd: int) -> None:
    """The (padded) input holds at least one whole window, as onnxruntime requires of Conv."""
    x, auto = v.dims(0), v.attr("auto_pad", "NOTSET")
    if x is None or kernel is None or auto in ("SAME_UPPER", "SAME_LOWER") or len(x) != nd + 2:
        return
    pads = (v.ints(None, "pads") or [0] * (2 * nd)) if auto == "NOTSET" else [0] * (2 * nd)
    dilations = v.ints(None, "dilations") or [1] * nd
    for axis, (size, k, d) in enumerate(zip(x[2:], kernel, dilations)):
        if size is not None and k is not None and size + pads[axis] + pads[axis + nd] < (k - 1) * d + 1:
            v.fail(f"spatial dimension {axis + 2} of {v.name(0)} plus its pads", size + pads[axis] + pads[axis + nd],
                   f"expected at least the dilated kernel size {(k - 1) * d + 1}")


def _conv_channels(v: _View, kernel: list[int] | None, weight: Dims | None) -> None:
    group = int(v.attr("group", 1))
    if group < 1:
        v.fail("attribute group", group, "expected a positive group count")
    if weight is None:
        return
    x = v.dims(0)
    if len(weight) < 3 or (x is not None and len(weight) != len(x)):
        v.fail(f"the shape of the weight {v.name(1)}", weight, "expected the rank of the input, at least 3")
    if kernel is not None and any(k is not None and k != w for k, w in zip(kernel, weight[2:])):
        v.fail("attribute kernel_shape", kernel, f"expected the weight's spatial shape {weight[2:]}")
    m_axis, c_axis = (0, 1) if v.op == "Conv" else (1, 0)
    if v.op == "Conv" and weight[0] is not None and weight[0] % group:
        v.fail(f"the output channels of the weight {v.name(1)}", weight[0], f"expected a multiple of group={group}")
    if v.op == "ConvTranspose" and weight[0] is not None and weight[0] % group:
        v.fail(f"the input channels of the weight {v.name(1)}", weight[0], f"expected a multiple of group={group}")
    channels = x[1] if x is not None else None
    per_group = weight[c_axis] * (group if v.op == "Conv" else 1) if weight[c_axis] is not None else None
    if channels is not None and per_group is not None and channels != per_group:
        v.fail(f"the channels of {v.name(0)}", channels,
               f"expected {per_group} (weight {v.name(1)} of shape {weight}, group={group})")
    bias = v.dims(2)
    outputs = weight[m_axis] * (1 if v.op == "Conv" else group) if weight[m_axis] is not None else None
    if bias is not None and (len(bias) != 1 or (outputs is not None and bias[0] not in (outputs, None))):
        v.fail(f"the shape of the bias {v.name(2)}", bias, f"expected ({outputs},)")


@_check("MaxPool", "AveragePool", "LpPool", "GlobalMaxPool", "GlobalAveragePool", "GlobalLpPool")
def _pool_input(v: _View) -> None:
    """Only the batch may be empty: a pool over an empty window has no value (onnxruntime's rule)."""
    dims = v.dims(0)
    if dims and dims[0] != 0 and 0 in dims[1:]:
        v.fail(f"the shape of {v.name(0)}", dims, "expected no empty dimension but the batch")


@_check("Split")
def _split(v: _View) -> None:
    sizes = v.ints(1, None) if v.opset >= 13 else v.ints(None, "split")
    n_out = len(v.node.outputs)
    dims = v.dims(0)
    axis = int(v.attr("axis", 0))
    size = dims[axis] if dims is not None and -len(dims) <= axis < len(dims) else None
    if sizes:
        if len(sizes) != n_out or any(s < 0 for s in sizes):
            v.fail("the split sizes", sizes, f"expected {n_out} non-negative sizes, one per output")
        if size is not None and sum(sizes) != size:
            v.fail("the split sizes", sizes, f"expected them to sum to dimension {axis} of {v.name(0)} ({size})")
        return
    parts = int(v.attr("num_outputs", n_out))
    if parts != n_out or parts < 1:
        v.fail("attribute num_outputs", parts, f"expected the node's {n_out} outputs")
    if size is not None and v.opset < 18 and size % n_out:
        v.fail(f"dimension {axis} of {v.name(0)}", size, f"expected a multiple of the {n_out} outputs "
                                                        "(no split sizes given)")


@_check("Reshape")
def _reshape(v: _View) -> None:
    target = v.ints(1, None) if v.opset >= 5 else v.ints(None, "shape")
    if target is None:
        return
    allowzero = bool(v.attr("allowzero", 0))
    if target.count(-1) > 1 or any(t < -1 for t in target) or (allowzero and -1 in target and 0 in target):
        v.fail("the target shape", target, "expected values >= -1, at most one -1 (and no 0 beside a -1 "
                                           "with allowzero=1)")
    dims = v.dims(0)
    if dims is None:
        return
    if not allowzero and any(t == 0 and i >= len(dims) for i, t in enumerate(target)):
        v.fail("the target shape", target, f"expected a 0 only where {v.name(0)} (rank {len(dims)}) has a "
                                           "dimension to copy")
    shape = v.shape(0)
    if shape is None:
        return
    out = [shape[i] if t == 0 and not allowzero else t for i, t in enumerate(target)]
    known = math.prod(d for d in out if d != -1)
    total = math.prod(shape)
    if (-1 in out and (known == 0 or total % known)) or (-1 not in out and known != total):
        v.fail("the target shape", target, f"expected {total} elements, as {v.name(0)} of shape {shape}")


@_check("Range")
def _range(v: _View) -> None:
    for i, role in enumerate(("start", "limit", "delta")):
        value = v.value(i)
        if value is not None and value.size != 1:
            v.fail(f"{v.name(i)} ({role})", f"of shape {value.shape}", "expected a scalar")
    delta = v.value(2)
    if delta is not None and not delta.reshape(()):
        v.fail(f"{v.name(2)} (delta)", delta.reshape(()).item(), "expected a non-zero step")


def _indices_in_range(v: _View, i: int, size: int | None, what: str) -> None:
    indices = v.value(i)
    if indices is None or size is None or not indices.size:
        return
    bad = indices[(indices < -size) | (indices >= size)]
    if bad.size:
        v.fail(f"an index of {v.name(i)}", int(bad.reshape(-1)[0]), f"expected indices in [{-size}, {size - 1}] "
                                                                   f"({what})")


@_check("Gather", "GatherElements", "ScatterElements", "Scatter")
def _gather(v: _View) -> None:
    dims = v.dims(0)
    if dims is None or not dims:
        if dims is not None:
            v.fail(f"the rank of {v.name(0)}", 0, "expected at least 1")
        return
    axis = int(v.attr("axis", 0))
    if not -len(dims) <= axis < len(dims):
        return                                    # reported by _axis
    axis %= len(dims)
    indices = v.dims(1)
    if v.op != "Gather" and indices is not None:
        if len(indices) != len(dims):
            v.fail(f"the rank of {v.name(1)} (indices)", len(indices), f"expected the data's rank {len(dims)}")
        if any(i is not None and d is not None and a != axis and i > d for a, (i, d) in enumerate(zip(indices, dims))):
            v.fail(f"the shape of {v.name(1)} (indices)", indices, f"expected no dimension beyond the data's {dims} "
                                                                   f"outside axis {axis}")
    _indices_in_range(v, 1, dims[axis], f"dimension {axis} of {v.name(0)}")


@_check("GatherND", "ScatterND")
def _gather_nd(v: _View) -> None:
    dims, indices = v.dims(0), v.value(1)
    batch = int(v.attr("batch_dims", 0))
    if dims is None or indices is None or indices.ndim < 1:
        return
    k = indices.shape[-1]
    if k > len(dims) - batch:
        v.fail(f"the last dimension of {v.name(1)} (indices)", k,
               f"expected at most the data's rank minus batch_dims ({len(dims) - batch})")
    for j in range(k):
        size = dims[batch + j]
        column = indices[..., j]
        if size is not None and column.size and ((column < -size) | (column >= size)).any():
            bad = column[(column < -size) | (column >= size)].reshape(-1)[0]
            v.fail(f"an index of {v.name(1)}", int(bad), f"expected indices in [{-size}, {size - 1}] "
                                                         f"(dimension {batch + j} of {v.name(0)})")


@_check("DepthToSpace", "SpaceToDepth")
def _blocks(v: _View) -> None:
    block = int(v.attr("blocksize", 0))
    if block < 1:
        v.fail("attribute blocksize", block, "expected a positive block size")
    if v.attr("mode", "DCR") not in ("DCR", "CRD"):
        v.fail("attribute mode", repr(v.attr("mode")), "expected 'DCR' or 'CRD'")
    dims = v.dims(0)
    if dims is None:
        return
    if len(dims) != 4:
        v.fail(f"the rank of {v.name(0)}", len(dims), "expected 4 (N, C, H, W)")
    checks = [(1, block * block)] if v.op == "DepthToSpace" else [(2, block), (3, block)]
    for axis, multiple in checks:
        if dims[axis] is not None and dims[axis] % multiple:
            v.fail(f"dimension {axis} of {v.name(0)}", dims[axis], f"expected a multiple of {multiple} "
                                                                  f"(blocksize {block})")


def _broadcasts_to(v: _View, i: int, target: Sequence[int | None], what: str) -> None:
    """Input i broadcasts to `target` one way (its dims are 1 or equal, from the right)."""
    shape = v.dims(i) if v.node.input(i) else None
    if shape is None:
        return
    if len(shape) > len(target) or any(s not in (1, None) and t is not None and s != t
                                       for s, t in zip(shape[::-1], target[::-1])):
        v.fail(f"the shape of {v.name(i)}", shape, f"expected it to broadcast to {tuple(target)} ({what})")


def _broadcast(v: _View, shapes: list[tuple[int | None, ...]], subject: str) -> None:
    """Multidirectional (numpy) broadcasting of dims, unknown dims agreeing with anything."""
    rank = max(len(s) for s in shapes)
    for axis in range(1, rank + 1):
        sizes = {s[-axis] for s in shapes if len(s) >= axis and s[-axis] not in (None, 1)}
        if len(sizes) > 1:
            v.fail(subject, " and ".join(str(tuple(s)) for s in shapes),
                   f"expected shapes that broadcast (dimension -{axis} differs)")


_ELEMENTWISE = ("Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Mean", "Sum", "Equal", "Less",
                "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Where", "BitShift",
                "BitwiseAnd", "BitwiseOr", "BitwiseXor", "PRelu")


@_check(*_ELEMENTWISE)
def _elementwise(v: _View) -> None:
    if v.opset < 7 or (v.op in ("Max", "Min", "Mean", "Sum") and v.opset < 8):
        return                                    # the legacy broadcast rule (attribute broadcast / axis)
    if v.op == "PRelu":
        x = v.dims(0)
        if x is not None:
            _broadcasts_to(v, 1, x, f"the shape of {v.name(0)}")
        return
    shapes = [v.dims(i) for i in range(len(v.node.inputs)) if v.node.input(i)]
    if all(s is not None for s in shapes) and len(shapes) > 1:
        _broadcast(v, shapes, "the input shapes")   # type: ignore[arg-type]


@_check("MatMul", "Gemm")
def _matmul(v: _View) -> None:
    a, b = v.dims(0), v.dims(1)
    if a is None or b is None:
        return
    if v.op == "Gemm":
        if len(a) != 2 or len(b) != 2:
            v.fail("the input ranks", f"{len(a)} and {len(b)}", "expected 2 and 2")
        a = a[::-1] if v.attr("transA", 0) else a
        b = b[::-1] if v.attr("transB", 0) else b
        if v.opset >= 7:
            _broadcasts_to(v, 2, (a[0], b[1]), "the product A B")
    elif not a or not b:
        v.fail("the input ranks", f"{len(a)} and {len(b)}", "expected at least 1 each")
    inner_a, inner_b = a[-1], (b[-2] if len(b) > 1 else b[0])
    if None not in (inner_a, inner_b) and inner_a != inner_b:
        v.fail("the inner dimensions", f"{inner_a} and {inner_b} (shapes {a} and {b})", "expected them equal")
    if v.op == "MatMul" and len(a) > 2 and len(b) > 2:
        _broadcast(v, [a[:-2], b[:-2]], "the batch dimensions")


@_check("Concat")
def _concat(v: _View) -> None:
    shapes = [v.dims(i) for i in range(len(v.node.inputs)) if v.node.input(i)]
    if not shapes or any(s is None for s in shapes):
        return
    rank = len(shapes[0])                        # type: ignore[arg-type]
    axis = int(v.attr("axis", 1 if v.opset < 4 else 0))
    if any(len(s) != rank for s in shapes) or not -rank <= axis < max(rank, 1):  # type: ignore[arg-type]
        return                                    # ranks: onnx rejects at load; axis: _axis
    axis %= max(rank, 1)
    for i, s in enumerate(shapes):
        for d in range(rank):
            if d != axis and None not in (s[d], shapes[0][d]) and s[d] != shapes[0][d]:  # type: ignore[index]
                v.fail(f"the shape of {v.name(i)}", s, f"expected {shapes[0]} outside axis {axis}")


@_check("BatchNormalization", "InstanceNormalization")
def _per_channel(v: _View) -> None:
    x = v.dims(0)
    if x is None or len(x) < 2 or x[1] is None:
        return
    count = 5 if v.op == "BatchNormalization" else 3
    for i in range(1, min(count, len(v.node.inputs))):
        d = v.dims(i)
        if d is not None and (len(d) != 1 or d[0] not in (x[1], None)):
            v.fail(f"the shape of {v.name(i)}", d, f"expected ({x[1]},), one value per channel of {v.name(0)}")


@_check("Expand", "Tile", "ConstantOfShape")
def _shape_operand(v: _View) -> None:
    index = 0 if v.op == "ConstantOfShape" else 1
    values = v.ints(index, None)
    if values is None:
        return
    if any(x < 0 for x in values) and v.op != "Expand":
        v.fail(f"{v.name(index)}", values, "expected non-negative values")
    dims = v.dims(0)
    if v.op == "Tile" and dims is not None and len(values) != len(dims):
        v.fail(f"{v.name(1)} (repeats)", values, f"expected {len(dims)} values, one per axis of {v.name(0)}")
    if v.op == "Expand" and dims is not None:
        _broadcast(v, [dims, tuple(values)], "the input shape and the target shape")


@_check("Pad")
def _pad(v: _View) -> None:
    """Edge, reflect and wrap modes need something to copy: no padding of an empty axis, and
    reflect pads of at most the axis length - 1 (onnxruntime's rule)."""
    pads = v.ints(1, None) if v.opset >= 11 else v.ints(None, "pads")
    dims, mode = v.dims(0), v.attr("mode", "constant")
    if pads is None or dims is None:
        return
    axes = v.ints(3, None) if v.opset >= 18 and v.node.input(3) else list(range(len(dims)))
    if axes is None or len(pads) != 2 * len(axes):
        if axes is not None:
            v.fail("the pads", pads, f"expected {2 * len(axes)} values, a begin and an end per padded axis")
        return
    for i, a in enumerate(axes):
        size, before, after = dims[a % len(dims)] if -len(dims) <= a < len(dims) else None, pads[i], pads[i + len(axes)]
        if size is None or mode == "constant" or max(before, after) <= 0:
            continue
        if size == 0 or (mode == "reflect" and max(before, after) > size - 1):
            v.fail(f"the {mode} pads of axis {a}", [before, after],
                   f"expected at most {max(size - 1, 0)} for an axis of length {size}" if size else
                   "expected none: the axis is empty")


@_check("LayerNormalization")
def _layer_norm(v: _View) -> None:
    dims, axis = v.dims(0), int(v.attr("axis", -1))
    if dims is None or not -len(dims) <= axis < len(dims):
        return
    for i in (1, 2):
        _broadcasts_to(v, i, dims[axis % len(dims):], "the normalized axes")


@_check("ArgMax", "ArgMin")
def _arg_reduce(v: _View) -> None:
    dims, axis = v.dims(0), int(v.attr("axis", 0))
    if dims is not None and -len(dims) <= axis < len(dims) and dims[axis] == 0:
        v.fail(f"dimension {axis % len(dims)} of {v.name(0)}", 0, "expected a non-empty axis to pick from")
