"""ONNX NodeProto / AttributeProto -> IR Node with plain Python attribute values."""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from ..errors import ModelLoadError
from ..ir import Node
from .tensors import sparse_to_dense, tensor_array


def attribute_value(attr: onnx.AttributeProto, what: str = "") -> Any:
    """Plain Python value of an attribute: str (not bytes), ndarray for (sparse) tensors."""
    what = what or f"attribute '{attr.name}'"
    try:
        value = onnx.helper.get_attribute_value(attr)
    except ValueError as exc:
        raise ModelLoadError(f"{what}: {exc}") from exc
    if isinstance(value, bytes):
        return _decode(value, what)
    if isinstance(value, onnx.TensorProto):
        return tensor_array(value, what)
    if isinstance(value, onnx.SparseTensorProto):
        return sparse_to_dense(value, what)
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [_decode(v, what) for v in value]
    if isinstance(value, list) and value and isinstance(value[0], onnx.TensorProto):
        return [tensor_array(v, what) for v in value]
    if isinstance(value, list) and value and isinstance(value[0], onnx.SparseTensorProto):
        return [sparse_to_dense(v, what) for v in value]
    return value


def _decode(value: bytes, what: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelLoadError(f"{what}: string is not UTF-8: {exc}") from exc


def node_from_proto(proto: onnx.NodeProto, opsets: dict[str, int]) -> Node:
    domain = "" if proto.domain in ("", "ai.onnx") else proto.domain
    where = f"{proto.op_type} node '{proto.name}'"
    return Node(op_type=proto.op_type, inputs=list(proto.input), outputs=list(proto.output),
                attrs={a.name: attribute_value(a, f"{where}, attribute '{a.name}'") for a in proto.attribute},
                name=proto.name, domain=domain,
                opset=opsets.get(domain, opsets.get("ai.onnx", 1) if domain == "" else 1))


def model_opsets(model: onnx.ModelProto) -> dict[str, int]:
    out = {}
    for imp in model.opset_import:
        out["" if imp.domain in ("", "ai.onnx") else imp.domain] = imp.version
    return out


@functools.lru_cache(maxsize=4096)
def _schema_attr_type(name: str, op_type: str, domain: str, opset: int) -> int | None:
    """The attribute's declared AttributeProto type, where onnx knows the op."""
    try:
        schema = onnx.defs.get_schema(op_type, opset, domain)
    except Exception:   # unknown op or domain: fall back to guessing from the value
        return None
    attr = schema.attributes.get(name)
    return int(attr.type) if attr is not None else None


def _to_proto_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return numpy_helper.from_array(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_to_proto_value(v) for v in value]
    return value


def attribute_proto(name: str, value: Any, op_type: str = "", domain: str = "",
                    opset: int = 0) -> onnx.AttributeProto:
    """The inverse of :func:`attribute_value`; the op's schema decides ambiguous types
    (an empty list, an int given for a float attribute)."""
    value = _to_proto_value(value)
    attr_type = _schema_attr_type(name, op_type, domain, opset) if op_type else None
    if attr_type == onnx.AttributeProto.FLOAT and isinstance(value, int):
        value = float(value)
    elif attr_type == onnx.AttributeProto.FLOATS and isinstance(value, list):
        value = [float(v) for v in value]
    if attr_type in (None, onnx.AttributeProto.UNDEFINED):
        attr_type = onnx.AttributeProto.INTS if isinstance(value, list) and not value else None
    return onnx.helper.make_attribute(name, value, attr_type=attr_type)
