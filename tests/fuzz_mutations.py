"""Mutated ONNX models for tests/test_fuzz_models.py: base models, mutation kinds, the cases.

Byte-level kinds (truncation, byte edits, bit flips) corrupt the serialized model; proto-level
kinds parse it and break one thing: dims of tensors, value infos and graph inputs; attribute
ints, floats, lists, strings and the attributes themselves; data types; node wiring (dangling,
duplicated); op types and domains; opsets and IR version; raw data lengths; tensor values;
nodes and initializers removed, duplicated or reordered; external data pointing elsewhere;
graph outputs. Case i is kind i mod len(KINDS) with a generator seeded by (seed, i): the same
cases on every run.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from helpers import CLS_MODEL

INT_VALUES = [0, 1, -1, 2, 3, 7, -2**31, 2**31, 2**40, 2**62, -2**63, 2**63 - 1]
FLOAT_VALUES = [0.0, -0.0, -1.0, 0.5, 2.0, 1e-45, 1e38, -1e38, float("inf"), float("-inf"), float("nan")]
DIM_VALUES = [0, 1, -1, -7, 2, 5, 2**31, 2**40, 2**62]
DATA_TYPES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 21, 22, 999]
OP_TYPES = ["Relu", "Add", "Conv", "MatMul", "Identity", "Softmax", "Reshape", "Gemm", "Concat", "Transpose",
            "Split", "Dropout", "Constant", "TopK", "NonZero", "Loop", "If", "Scan", "Det", "relu", "NoSuchOp", ""]
SAME_ARITY = {1: ["Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Exp", "Log", "Sqrt", "Identity", "Softmax", "Floor", "Erf"],
              2: ["Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Max", "Min", "PRelu", "Equal"]}
DOMAINS = ["ai.onnx", "com.microsoft", "ai.onnx.ml", "ai.onnx.preview.training", "bogus.example"]
OPSETS = [1, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 17, 18, 20, 21, 22, 23, 24, 99, 0, -1, 2**40]
IR_VERSIONS = [0, 1, 3, 7, 10, 11, 99, -1]


# --- base models -------------------------------------------------------------------------------
def convnet() -> onnx.ModelProto:
    """Conv, BatchNormalization, LeakyRelu, MaxPool, Flatten, Gemm, Softmax over float initializers."""
    rng = np.random.default_rng(1)
    arrays = {"w": rng.standard_normal((4, 3, 3, 3)) * 0.3, "b": rng.standard_normal(4) * 0.1,
              "scale": rng.random(4) + 0.5, "bias": rng.standard_normal(4) * 0.1, "mean": rng.standard_normal(4) * 0.1,
              "var": rng.random(4) + 0.5, "fc_w": rng.standard_normal((5, 16)) * 0.3, "fc_b": rng.standard_normal(5)}
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[2, 2], dilations=[1, 1], group=1, auto_pad="NOTSET"),
        helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["n"], name="bn", epsilon=1e-5),
        helper.make_node("LeakyRelu", ["n"], ["r"], name="act", alpha=0.1),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["g"], name="fc", transB=1, alpha=1.0, beta=1.0),
        helper.make_node("Softmax", ["g"], ["y"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(nodes, "convnet", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 9, 9])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])],
                              [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()],
                              value_info=[helper.make_tensor_value_info("c", TensorProto.FLOAT, [2, 4, 5, 5])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def shape_ops() -> onnx.ModelProto:
    """Reshape, Transpose, Slice, Gather, Concat, Pad, ReduceMean, Unsqueeze, Cast: int64 initializers decide shapes."""
    i64 = {"shape": [3, -1], "starts": [1], "ends": [7], "axes": [0], "steps": [2], "idx": [2, 0, 1, 2],
           "pads": [0, 1, 0, 1], "unsq": [0]}
    inits = [numpy_helper.from_array(np.array(v, np.int64), k) for k, v in i64.items()]
    inits.append(numpy_helper.from_array(np.arange(3, dtype=np.float32).reshape(1, 3), "k"))
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
        helper.make_node("Transpose", ["r"], ["t"], name="transpose", perm=[1, 0]),
        helper.make_node("Slice", ["t", "starts", "ends", "axes", "steps"], ["s"], name="slice"),
        helper.make_node("Gather", ["s", "idx"], ["g"], name="gather", axis=0),
        helper.make_node("Concat", ["g", "k"], ["c"], name="concat", axis=0),
        helper.make_node("Pad", ["c", "pads"], ["p"], name="pad", mode="constant"),
        helper.make_node("ReduceMean", ["p"], ["m"], name="mean", axes=[1], keepdims=1),
        helper.make_node("Unsqueeze", ["m", "unsq"], ["u"], name="unsqueeze"),
        helper.make_node("Cast", ["u"], ["h"], name="to_half", to=TensorProto.FLOAT16),
        helper.make_node("Cast", ["h"], ["y"], name="to_float", to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(nodes, "shape_ops", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5, 1]),
                               helper.make_tensor_value_info("p", TensorProto.FLOAT, [5, 5])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def base_models() -> dict[str, tuple[bytes, dict[str, np.ndarray]]]:
    """name -> (serialized model, its natural feeds)."""
    rng = np.random.default_rng(0)
    return {"cls": (CLS_MODEL.read_bytes(), {"x": rng.random((1, 3, 48, 192), np.float32)}),
            "convnet": (convnet().SerializeToString(), {"x": rng.standard_normal((2, 3, 9, 9)).astype(np.float32)}),
            "shape_ops": (shape_ops().SerializeToString(), {"x": rng.standard_normal((2, 3, 4)).astype(np.float32)})}


# --- mutations -----------------------------------------------------------------------------------
Rng = np.random.Generator
Mutation = Callable[[onnx.ModelProto, Rng, Path], "str | None"]   # mutates in place; None: not applicable


def pick(rng: Rng, items: list):
    return items[int(rng.integers(len(items)))] if items else None


def node_label(model: onnx.ModelProto, node: onnx.NodeProto) -> str:
    return f"{node.op_type} '{node.name or '#%d' % list(model.graph.node).index(node)}'"


def named_tensors(model: onnx.ModelProto) -> list[tuple[str, TensorProto]]:
    """Initializers and Constant nodes' values (the classifier keeps every weight in a Constant)."""
    out = [(f"initializer '{t.name}'", t) for t in model.graph.initializer]
    out += [(f"Constant '{n.output[0]}'", a.t) for n in model.graph.node if n.op_type == "Constant"
            for a in n.attribute if a.name == "value"]
    return out


def compute_nodes(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    return [n for n in model.graph.node if n.op_type != "Constant"] or list(model.graph.node)


def graph_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    inits = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def mutate_dims(dims, rng: Rng) -> str:
    """One dim of a repeated int64 field changed, or one added or dropped; returns what it did."""
    how = int(rng.integers(4)) if len(dims) else 2
    if how == 3:
        del dims[int(rng.integers(len(dims)))]
        return "dropped a dim"
    if how == 2:
        dims.append(int(pick(rng, DIM_VALUES)))
        return "added a dim"
    k = int(rng.integers(len(dims)))
    old, dims[k] = dims[k], int(pick(rng, DIM_VALUES))
    return f"dim {k} {old} -> {dims[k]}"


def mut_tensor_dims(model, rng, case_dir):
    label, t = pick(rng, named_tensors(model))
    return f"{label}: {mutate_dims(t.dims, rng)}" if t is not None else None


def mut_shape(info: onnx.ValueInfoProto, rng: Rng) -> str:
    shape = info.type.tensor_type.shape
    choice = int(rng.integers(6))
    if choice == 0:
        info.type.tensor_type.ClearField("shape")
        return "shape removed (unknown rank)"
    if choice == 1 and len(shape.dim):
        pick(rng, list(shape.dim)).dim_param = "N"
        return "a dim made symbolic"
    if choice == 2 or not len(shape.dim):
        shape.dim.add().dim_value = int(pick(rng, DIM_VALUES))
        return "a dim added"
    if choice == 3:
        del shape.dim[int(rng.integers(len(shape.dim)))]
        return "a dim dropped"
    dim = pick(rng, list(shape.dim))
    dim.dim_value = int(pick(rng, DIM_VALUES))
    return f"a dim set to {dim.dim_value}"


def mut_input_shape(model, rng, case_dir):
    info = pick(rng, graph_inputs(model))
    return f"graph input '{info.name}': {mut_shape(info, rng)}" if info is not None else None


def mut_value_info(model, rng, case_dir):
    """A graph output's or value_info's shape or type changed, or a wrong value_info added."""
    infos = list(model.graph.output) + list(model.graph.value_info)
    if rng.random() < 0.5 or not infos:
        node = pick(rng, compute_nodes(model))
        info = model.graph.value_info.add()
        info.CopyFrom(helper.make_tensor_value_info(node.output[0], int(pick(rng, [1, 1, 7, 10, 11])),
                                                    [int(pick(rng, DIM_VALUES)) for _ in range(rng.integers(0, 5))]))
        return f"value_info added for {node_label(model, node)} output: {info.type.tensor_type}".replace("\n", " ")
    info = pick(rng, infos)
    if rng.random() < 0.3:
        info.type.tensor_type.elem_type = int(pick(rng, DATA_TYPES))
        return f"value info '{info.name}': elem_type -> {info.type.tensor_type.elem_type}"
    return f"value info '{info.name}': {mut_shape(info, rng)}"


def attributes_of(model: onnx.ModelProto, kinds: set[int]) -> list[tuple[onnx.NodeProto, onnx.AttributeProto]]:
    return [(n, a) for n in compute_nodes(model) for a in n.attribute if a.type in kinds]


def scalar_attribute_mutation(kind: int, field: str, pool: list) -> Mutation:
    """A mutation that sets one attribute of type `kind` (its `field`: i or f) to a value from `pool`."""
    def mutate(model, rng, case_dir):
        node, attr = pick(rng, attributes_of(model, {kind})) or (None, None)
        if attr is None:
            return None
        old = getattr(attr, field)
        setattr(attr, field, pick(rng, pool))
        return f"{node_label(model, node)} {attr.name} {old} -> {getattr(attr, field)}"
    return mutate


def mut_attr_list(model, rng, case_dir):
    node, attr = pick(rng, attributes_of(model, {onnx.AttributeProto.INTS, onnx.AttributeProto.FLOATS})) or (None, None)
    if attr is None:
        return None
    values, pool = (attr.ints, INT_VALUES) if attr.type == onnx.AttributeProto.INTS else (attr.floats, FLOAT_VALUES)
    choice = int(rng.integers(4))
    if choice == 0:
        del values[:]
        what = "emptied"
    elif choice == 1:
        values.extend([pool[1]] * 1000)
        what = "1000 elements appended"
    elif choice == 2 or not len(values):
        values.append(pick(rng, pool))
        what = f"appended {values[-1]}"
    else:
        k = int(rng.integers(len(values)))
        values[k] = pick(rng, pool)
        what = f"element {k} -> {values[k]}"
    return f"{node_label(model, node)} {attr.name}: {what}"


def mut_attr_string(model, rng, case_dir):
    node, attr = pick(rng, attributes_of(model, {onnx.AttributeProto.STRING})) or (None, None)
    if attr is None:
        return None
    attr.s = pick(rng, [b"", b"bogus", b"SAME_UPPER", b"VALID", b"reflect", b"\xff\xfe", "é".encode()])
    return f"{node_label(model, node)} {attr.name} -> {attr.s!r}"


def mut_attr_schema(model, rng, case_dir):
    """An attribute removed, an unknown one added, one duplicated, or its type tag changed."""
    node = pick(rng, [n for n in compute_nodes(model) if n.attribute] or compute_nodes(model))
    choice = int(rng.integers(4)) if node.attribute else 1
    if choice == 0:
        name = node.attribute[int(rng.integers(len(node.attribute)))].name
        node.attribute.remove(next(a for a in node.attribute if a.name == name))
        return f"{node_label(model, node)}: attribute {name} removed"
    if choice == 1:
        node.attribute.append(helper.make_attribute("bogus_attribute", 3))
        return f"{node_label(model, node)}: unknown attribute added"
    attr = pick(rng, list(node.attribute))
    if choice == 2:
        node.attribute.add().CopyFrom(attr)
        return f"{node_label(model, node)}: attribute {attr.name} duplicated"
    old, attr.type = attr.type, int(pick(rng, [1, 2, 3, 4, 5, 6, 7, 8]))
    return f"{node_label(model, node)}: attribute {attr.name} type tag {old} -> {attr.type}"


def mut_data_type(model, rng, case_dir):
    new = int(pick(rng, DATA_TYPES))
    if rng.random() < 0.5:
        label, t = pick(rng, named_tensors(model))
        if t is not None:
            old, t.data_type = t.data_type, new
            return f"{label}: data_type {old} -> {new}"
    info = pick(rng, list(model.graph.input) + list(model.graph.output))
    old, info.type.tensor_type.elem_type = info.type.tensor_type.elem_type, new
    return f"'{info.name}': elem_type {old} -> {new}"


def mut_dangling_io(model, rng, case_dir):
    """A node input that nothing produces (unknown, itself, empty) or a renamed output."""
    node = pick(rng, compute_nodes(model))
    choice = int(rng.integers(4))
    if choice == 3 or not node.input:
        old, node.output[0] = node.output[0], "renamed_output"
        return f"{node_label(model, node)}: output '{old}' renamed (its consumers dangle)"
    k = int(rng.integers(len(node.input)))
    node.input[k] = ["no_such_tensor", node.output[0], ""][choice]
    return f"{node_label(model, node)}: input {k} -> {node.input[k]!r}"


def mut_duplicate_io(model, rng, case_dir):
    """A node output that another node, a graph input or an initializer already defines."""
    node = pick(rng, compute_nodes(model))
    names = [o for n in model.graph.node if n is not node for o in n.output]
    names += [i.name for i in model.graph.input] + [t.name for t in model.graph.initializer]
    old, node.output[0] = node.output[0], pick(rng, names)
    return f"{node_label(model, node)}: output '{old}' -> '{node.output[0]}' (defined twice)"


def mut_op_type(model, rng, case_dir):
    """Half the time another op with as many inputs and no attributes (often a valid model that
    computes something else), else any name from OP_TYPES."""
    node = pick(rng, compute_nodes(model))
    label, arity = node_label(model, node), len([i for i in node.input if i])
    if rng.random() < 0.5 and arity in SAME_ARITY:
        node.op_type = pick(rng, SAME_ARITY[arity])
        del node.attribute[:]
    else:
        node.op_type = pick(rng, OP_TYPES)
    return f"{label}: op_type -> {node.op_type!r}{'' if node.attribute else ', attributes dropped'}"


def mut_domain(model, rng, case_dir):
    node = pick(rng, compute_nodes(model))
    node.domain = pick(rng, DOMAINS)
    if rng.random() < 0.5:                   # imported ('ai.onnx' at the default opset: a valid alias)
        default = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        model.opset_import.append(helper.make_opsetid(node.domain, default if node.domain == "ai.onnx" else 1))
    return f"{node_label(model, node)}: domain -> {node.domain!r}"


def mut_opset(model, rng, case_dir):
    choice = int(rng.integers(4))
    default = next(o for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if choice == 0:
        model.opset_import.remove(default)
        return "default-domain opset import removed"
    if choice == 1:
        model.opset_import.append(helper.make_opsetid("", int(pick(rng, OPSETS))))
        return f"a second default-domain opset import ({model.opset_import[-1].version})"
    if choice == 2:
        old, model.ir_version = model.ir_version, int(pick(rng, IR_VERSIONS))
        return f"ir_version {old} -> {model.ir_version}"
    old, default.version = default.version, int(pick(rng, OPSETS))
    return f"opset {old} -> {default.version}"


def mut_raw_data(model, rng, case_dir):
    """A tensor's payload shorter or longer than its dims say (raw_data or the typed field)."""
    label, t = pick(rng, named_tensors(model))
    if t is None:
        return None
    if rng.random() < 0.5:                                   # as raw bytes
        t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t), t.name))
        old = len(t.raw_data)
        cut = int(pick(rng, [1, 3, 4, max(old // 2, 1), old]))
        t.raw_data = t.raw_data[:max(old - cut, 0)] if rng.random() < 0.7 else t.raw_data + b"\x00" * cut
        return f"{label}: raw_data {old} -> {len(t.raw_data)} bytes"
    field = next((f for f in ("float_data", "int64_data", "int32_data", "double_data", "raw_data")
                  if len(getattr(t, f))), None)
    if field is None or field == "raw_data":
        t.raw_data = t.raw_data[:-1]
        return f"{label}: raw_data one byte short"
    values = getattr(t, field)
    if rng.random() < 0.5 and len(values):
        del values[-1]
    else:
        values.append(values[0] if len(values) else 0)
    return f"{label}: {field} {len(values)} values for dims {list(t.dims)}"


def mut_tensor_values(model, rng, case_dir):
    """Integer values (shapes, axes, indices, pads) set to extremes; floats to NaN, Inf, huge."""
    label, t = pick(rng, [(lbl, t) for lbl, t in named_tensors(model) if t.data_type in (1, 6, 7)])
    if t is None:
        return None
    try:
        values = numpy_helper.to_array(t).copy()
    except Exception:
        return None
    if values.size == 0:
        return None
    flat = values.reshape(-1)
    k = int(rng.integers(flat.size))
    if values.dtype.kind == "f":
        positions = rng.integers(0, flat.size, max(flat.size // 10, 1))
        flat[positions] = pick(rng, FLOAT_VALUES)
        what = f"{len(positions)} value(s) -> {flat[positions[0]]}"
    else:
        flat[k] = np.clip(pick(rng, INT_VALUES), np.iinfo(values.dtype).min, np.iinfo(values.dtype).max)
        what = f"value {k} -> {flat[k]}"
    t.CopyFrom(numpy_helper.from_array(values, t.name))
    return f"{label}: {what}"


def mut_remove_node(model, rng, case_dir):
    node = pick(rng, list(model.graph.node))
    label = node_label(model, node)
    model.graph.node.remove(node)
    return f"{label} removed"


def mut_duplicate_node(model, rng, case_dir):
    k = int(rng.integers(len(model.graph.node)))
    label = node_label(model, model.graph.node[k])
    model.graph.node.insert(k + 1, model.graph.node[k])
    return f"{label} duplicated"


def mut_remove_initializer(model, rng, case_dir):
    if not model.graph.initializer:
        return None
    t = pick(rng, list(model.graph.initializer))
    model.graph.initializer.remove(t)
    return f"initializer '{t.name}' removed"


def mut_duplicate_initializer(model, rng, case_dir):
    """An initializer listed twice (maybe with other values), or one named like a node's output."""
    label, t = pick(rng, named_tensors(model))
    copy = model.graph.initializer.add()
    copy.CopyFrom(t)
    if not copy.name:
        copy.name = label.split("'")[1]
    if rng.random() < 0.5:
        copy.CopyFrom(numpy_helper.from_array(np.zeros(3, np.float32), copy.name))
    return f"{label} also given as initializer '{copy.name}' ({list(copy.dims)})"


def mut_node_order(model, rng, case_dir):
    nodes = list(model.graph.node)
    if rng.random() < 0.5:
        order = rng.permutation(len(nodes))
        what = "shuffled"
    else:
        i, j = sorted(rng.choice(len(nodes), 2, replace=False))
        order = list(range(len(nodes)))
        order[i], order[j] = j, i
        what = f"nodes {i} and {j} swapped"
    del model.graph.node[:]
    model.graph.node.extend([nodes[k] for k in order])
    return what


def mut_external_data(model, rng, case_dir):
    """A tensor moved to an external file: in the model's folder (valid), or pointing elsewhere."""
    label, t = pick(rng, [(lbl, t) for lbl, t in named_tensors(model) if np.prod(t.dims, dtype=np.int64) > 1])
    if t is None:
        return None
    payload = numpy_helper.from_array(numpy_helper.to_array(t)).raw_data
    outside = case_dir.parent / "weights.bin"            # valid data, but outside the model's folder
    for path in (case_dir / "weights.bin", outside):
        path.write_bytes(b"\x00" * 16 + payload)
    (case_dir / "sub").mkdir()
    (case_dir / "link.bin").symlink_to(outside)
    variants = {"in the folder": ("weights.bin", 16, len(payload)),
                "via sub/..": ("sub/../weights.bin", 16, len(payload)),
                "escaping with ..": ("../weights.bin", 16, len(payload)),
                "absolute": (str(outside), 16, len(payload)),
                "symlink out of the folder": ("link.bin", 16, len(payload)),
                "missing file": ("nope.bin", 0, None),
                "a directory": ("sub", 0, None),
                "offset past the end": ("weights.bin", 1 << 20, len(payload)),
                "length past the end": ("weights.bin", 16, len(payload) + 64),
                "length short of the dims": ("weights.bin", 16, max(len(payload) - 4, 0))}
    what = "in the folder" if rng.random() < 0.3 else pick(rng, list(variants))
    location, offset, length = variants[what]
    t.ClearField("float_data")
    t.ClearField("int64_data")
    t.ClearField("int32_data")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location, "offset": str(offset)} | ({"length": str(length)} if length is not None else {})
    for key, value in entries.items():
        t.external_data.add(key=key, value=value)
    return f"{label}: external data {what}"


def mut_graph_outputs(model, rng, case_dir):
    outputs = model.graph.output
    choice = int(rng.integers(5))
    if choice == 0:
        del outputs[:]
        return "every graph output removed"
    if choice == 1:
        outputs[0].name = "no_such_tensor"
        return "output 0 names a tensor nothing produces"
    if choice == 2:
        outputs.add().CopyFrom(outputs[0])
        return "output 0 listed twice"
    source = pick(rng, graph_inputs(model) if choice == 3 else [n for n in model.graph.node if n.op_type == "Constant"]
                  or list(model.graph.initializer))
    name = source.name if isinstance(source, (onnx.ValueInfoProto, TensorProto)) else source.output[0]
    info = outputs.add()
    info.CopyFrom(outputs[0])
    info.name = name
    return f"'{name}' ({'graph input' if choice == 3 else 'constant'}) also a graph output"


def cut_bytes(data: bytes, rng: Rng) -> tuple[bytes, str]:
    k = int(rng.integers(len(data)))
    return data[:k], f"truncated to {k} of {len(data)} bytes"


def edit_bytes(data: bytes, rng: Rng) -> tuple[bytes, str]:
    out = bytearray(data)
    n = int(pick(rng, [1, 2, 5, 20]))
    for pos in rng.integers(0, len(out), n):
        out[pos] = int(rng.integers(256))
    return bytes(out), f"{n} random byte(s) rewritten"


def flip_bits(data: bytes, rng: Rng) -> tuple[bytes, str]:
    out = bytearray(data)
    n = int(pick(rng, [1, 3, 10]))
    for pos in rng.integers(0, len(out) * 8, n):
        out[pos // 8] ^= 1 << int(pos % 8)
    return bytes(out), f"{n} bit(s) flipped"


BYTE_MUTATIONS: dict[str, Callable[[bytes, Rng], tuple[bytes, str]]] = {
    "truncate": cut_bytes, "byte_edits": edit_bytes, "bit_flips": flip_bits}
PROTO_MUTATIONS: dict[str, Mutation] = {
    "tensor_dims": mut_tensor_dims, "value_info": mut_value_info, "input_shape": mut_input_shape,
    "attr_int": scalar_attribute_mutation(onnx.AttributeProto.INT, "i", INT_VALUES),
    "attr_float": scalar_attribute_mutation(onnx.AttributeProto.FLOAT, "f", FLOAT_VALUES),
    "attr_list": mut_attr_list, "attr_string": mut_attr_string, "attr_schema": mut_attr_schema,
    "data_type": mut_data_type, "dangling_io": mut_dangling_io, "duplicate_io": mut_duplicate_io,
    "op_type": mut_op_type, "domain": mut_domain, "opset": mut_opset, "raw_data": mut_raw_data,
    "tensor_values": mut_tensor_values, "remove_node": mut_remove_node, "duplicate_node": mut_duplicate_node,
    "remove_initializer": mut_remove_initializer, "duplicate_initializer": mut_duplicate_initializer,
    "node_order": mut_node_order, "external_data": mut_external_data, "graph_outputs": mut_graph_outputs}
KINDS = list(BYTE_MUTATIONS) + list(PROTO_MUTATIONS)


@dataclass
class FuzzCase:
    id: int
    kind: str
    base: str
    description: str
    dir: str


def make_cases(root: Path, count: int, seed: int) -> list[FuzzCase]:
    """Case i: kind i mod len(KINDS) on the first base model it applies to, written to root/<i>/model.onnx."""
    bases = base_models()
    for name, (_, feeds) in bases.items():
        np.savez(root / f"feeds_{name}.npz", **feeds)
    cases = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        for attempt in range(len(bases)):
            base = list(bases)[(i // len(KINDS) + attempt) % len(bases)]
            rng = np.random.default_rng([seed, i, attempt])
            case_dir = root / f"case{i}_{attempt}"
            case_dir.mkdir()
            data = bases[base][0]
            if kind in BYTE_MUTATIONS:
                data, description = BYTE_MUTATIONS[kind](data, rng)
            else:
                model = onnx.load_from_string(data)
                description = PROTO_MUTATIONS[kind](model, rng, case_dir)
                data = model.SerializeToString() if description else b""
            if description:
                (case_dir / "model.onnx").write_bytes(data)
                cases.append(FuzzCase(i, kind, base, description, str(case_dir)))
                break
    return cases
