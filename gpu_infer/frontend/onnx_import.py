"""ONNX ModelProto <-> Graph IR.

Initializers are constants (an initializer also listed as a graph input is not
an input here). A node with a fused activation is exported as the same op in
the custom domain ``ai.gpu_infer`` with a string attribute ``activation`` and
float attributes ``activation_<param>``; importing maps it back.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from ..ir import Activation, Graph, Node, TensorInfo
from .attributes import attribute_proto, model_opsets, node_from_proto
from .tensors import sparse_to_dense, tensor_array
from .validate import validate_model

FUSED_DOMAIN = "ai.gpu_infer"
FUSED_DOMAIN_VERSION = 1
FP16_WEIGHTS_KEY = "gpu_infer.fp16_weights"    # metadata: JSON list of initializers stored as float16


# ---------------------------------------------------------------- tensors

def np_dtype(elem_type: int) -> np.dtype | None:
    if elem_type == onnx.TensorProto.UNDEFINED:
        return None
    try:
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem_type))
    except (KeyError, TypeError, ValueError):
        return None


def elem_type(dtype: np.dtype | None) -> int:
    return onnx.TensorProto.UNDEFINED if dtype is None else onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def info_from_proto(vi: onnx.ValueInfoProto) -> TensorInfo:
    """Symbolic dims become str, unknown (or negative) dims None, unknown rank None."""
    if not vi.type.HasField("tensor_type"):
        return TensorInfo(vi.name)
    tt = vi.type.tensor_type
    shape = None
    if tt.HasField("shape"):
        shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value >= 0
                      else (d.dim_param or None) for d in tt.shape.dim)
    return TensorInfo(vi.name, np_dtype(tt.elem_type), shape)


def info_to_proto(info: TensorInfo, with_shape: bool = True) -> onnx.ValueInfoProto:
    shape: Any = None
    if with_shape and info.shape is not None:
        shape = [d if isinstance(d, (int, str)) else None for d in info.shape]
    return onnx.helper.make_tensor_value_info(info.name, elem_type(info.dtype), shape)


# ---------------------------------------------------------------- import

def graph_from_onnx(model: onnx.ModelProto) -> Graph:
    """The IR of a (checked, external data loaded) model, validated as onnxruntime would
    (ModelLoadError); reads .gim files transparently."""
    opsets = model_opsets(model)
    opsets.pop(FUSED_DOMAIN, None)
    metadata = {p.key: p.value for p in model.metadata_props}
    graph = _graph_from_proto(model.graph, opsets)
    graph.metadata = metadata
    for name in json.loads(metadata.pop(FP16_WEIGHTS_KEY, "[]")):
        if name in graph.initializers:
            graph.initializers[name] = graph.initializers[name].astype(np.float32)
    validate_model(graph)
    return graph


def _graph_from_proto(gp: onnx.GraphProto, opsets: dict[str, int]) -> Graph:
    initializers = {t.name: tensor_array(t, f"initializer '{t.name}'") for t in gp.initializer}
    for sp in gp.sparse_initializer:
        initializers[sp.values.name] = sparse_to_dense(sp, f"sparse initializer '{sp.values.name}'")
    value_info = {vi.name: info_from_proto(vi) for vi in gp.value_info}
    inputs = [info_from_proto(vi) for vi in gp.input if vi.name not in initializers]
    outputs = [info_from_proto(vi) for vi in gp.output]
    for info in inputs + outputs:
        value_info[info.name] = info
    nodes = [_node_from_proto(p, opsets) for p in gp.node]
    _name_nodes(nodes)
    return Graph(nodes=nodes, inputs=inputs, outputs=outputs, initializers=initializers,
                 value_info=value_info, opsets=dict(opsets), name=gp.name or "graph")


def _node_from_proto(proto: onnx.NodeProto, opsets: dict[str, int]) -> Node:
    node = node_from_proto(proto, opsets)
    if node.domain == FUSED_DOMAIN:
        act = node.attrs.pop("activation")
        params = {k[len("activation_"):]: float(node.attrs.pop(k))
                  for k in list(node.attrs) if k.startswith("activation_")}
        node.domain, node.opset = "", opsets.get("", 1)
        node.activation = Activation(act, params)
    if node.op_type == "Constant" and not node.domain and "sparse_value" in node.attrs:
        node.attrs["value"] = node.attrs.pop("sparse_value")      # held dense in the IR
    for key, value in node.attrs.items():
        if isinstance(value, onnx.GraphProto):
            node.attrs[key] = _graph_from_proto(value, opsets)
        elif isinstance(value, list) and value and isinstance(value[0], onnx.GraphProto):
            node.attrs[key] = [_graph_from_proto(v, opsets) for v in value]
    return node


def _name_nodes(nodes: list[Node]) -> None:
    """Give unnamed (or duplicate-named) nodes unique names like 'Conv_3'."""
    taken = {n.name for n in nodes if n.name}
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        if node.name and node.name not in seen:
            seen.add(node.name)
            continue
        base = f"{node.name or node.op_type}_{i}"
        name, k = base, 0
        while name in taken or name in seen:
            k += 1
            name = f"{base}_{k}"
        node.name = name
        seen.add(name)
        taken.add(name)


# ---------------------------------------------------------------- export

def graph_to_onnx(graph: Graph) -> onnx.ModelProto:
    """A ModelProto of the graph that onnx.checker accepts (fused nodes in the custom domain)."""
    return export_model(graph)


def export_model(graph: Graph, *, shapes_and_fusion: bool = True) -> onnx.ModelProto:
    """`shapes_and_fusion=False` drops intermediate/output shapes and fused activations:
    the form onnx shape inference works best on (it knows no custom-domain op)."""
    gp = _graph_to_proto(graph, shapes_and_fusion)
    opsets = dict(graph.opsets)
    if shapes_and_fusion and _has_fused(graph):
        opsets[FUSED_DOMAIN] = FUSED_DOMAIN_VERSION
    opset_ids = [onnx.helper.make_opsetid(d, v) for d, v in opsets.items()]
    model = onnx.helper.make_model(gp, opset_imports=opset_ids, producer_name="gpu_infer")
    model.ir_version = max(7, onnx.helper.find_min_ir_version_for(opset_ids, ignore_unknown=True))
    onnx.helper.set_model_props(model, dict(graph.metadata))
    return model


def _has_fused(graph: Graph) -> bool:
    for node in graph.nodes:
        if node.activation is not None:
            return True
        if any(_has_fused(g) for g in _subgraphs(node)):
            return True
    return False


def _subgraphs(node: Node) -> list[Graph]:
    out: list[Graph] = []
    for value in node.attrs.values():
        if isinstance(value, Graph):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, Graph))
    return out


def _graph_to_proto(graph: Graph, full: bool) -> onnx.GraphProto:
    io_names = {i.name for i in graph.inputs} | {o.name for o in graph.outputs}
    value_info = [info_to_proto(v) for k, v in graph.value_info.items()
                  if full and k not in io_names and k not in graph.initializers]
    return onnx.helper.make_graph(
        [_node_to_proto(n, full) for n in graph.nodes], graph.name,
        [info_to_proto(i) for i in graph.inputs],
        [info_to_proto(o, with_shape=full) for o in graph.outputs],
        initializer=[numpy_helper.from_array(np.asarray(a), k) for k, a in graph.initializers.items()],
        value_info=value_info)


def _node_to_proto(node: Node, full: bool) -> onnx.NodeProto:
    attrs = [_attr_to_proto(k, v, node, full) for k, v in node.attrs.items()]
    domain = node.domain
    if full and node.activation is not None:
        domain = FUSED_DOMAIN
        attrs.append(onnx.helper.make_attribute("activation", node.activation.op_type))
        attrs += [onnx.helper.make_attribute(f"activation_{k}", float(v))
                  for k, v in node.activation.attrs.items()]
    proto = onnx.helper.make_node(node.op_type, node.inputs, node.outputs, name=node.name,
                                  domain=domain or None)
    proto.attribute.extend(attrs)
    return proto


def _attr_to_proto(key: str, value: Any, node: Node, full: bool) -> onnx.AttributeProto:
    if isinstance(value, Graph):
        value = _graph_to_proto(value, full)
    elif isinstance(value, list) and value and isinstance(value[0], Graph):
        value = [_graph_to_proto(v, full) for v in value]
    return attribute_proto(key, value, node.op_type, node.domain, node.opset)
