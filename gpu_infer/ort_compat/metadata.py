"""ModelMetadata: what onnxruntime's get_modelmeta() returns, read from the ModelProto."""
from __future__ import annotations

from dataclasses import dataclass, field

import onnx


@dataclass(frozen=True)
class ModelMetadata:
    producer_name: str = ""
    graph_name: str = ""
    domain: str = ""
    description: str = ""                # the model's doc_string
    graph_description: str = ""          # the graph's doc_string
    version: int = 0                     # model_version
    custom_metadata_map: dict[str, str] = field(default_factory=dict)   # metadata_props

    @classmethod
    def from_proto(cls, model: onnx.ModelProto) -> "ModelMetadata":
        return cls(model.producer_name, model.graph.name, model.domain, model.doc_string,
                   model.graph.doc_string, model.model_version,
                   {p.key: p.value for p in model.metadata_props})
