"""Graph IR: a small, mutable, backend-independent view of an ONNX graph.

Attributes are plain Python values (int, float, str, lists, NumPy arrays for
tensor attributes, :class:`Graph` for subgraphs). Tensors are referred to by
name; an empty name is an omitted optional input.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

Dim = int | str | None          # concrete, symbolic, or unknown
Shape = tuple[Dim, ...]


@dataclass
class TensorInfo:
    """Name, element type and (possibly partial) shape of a tensor."""
    name: str
    dtype: np.dtype | None = None
    shape: Shape | None = None      # None: rank unknown

    @property
    def is_concrete(self) -> bool:
        return self.shape is not None and all(isinstance(d, int) for d in self.shape)


@dataclass
class Activation:
    """An activation fused into its producer (Conv, ConvTranspose, Gemm).

    `op_type` is one of Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish;
    `attrs` holds its parameters as plain floats (Clip: min, max; LeakyRelu:
    alpha; HardSigmoid: alpha, beta).
    """
    op_type: str
    attrs: dict[str, float] = field(default_factory=dict)


@dataclass(eq=False)          # nodes compare by identity (list.remove, `in`): attributes hold arrays
class Node:
    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    domain: str = ""                # "" is the default ONNX domain
    opset: int = 0                  # opset version of `domain` in the model
    activation: Activation | None = None

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def input(self, i: int) -> str:
        """Name of input i, or "" where it is absent."""
        return self.inputs[i] if i < len(self.inputs) else ""

    def describe(self) -> str:
        return f"{self.op_type} node '{self.name}' (opset {self.opset})"

    def copy(self) -> "Node":
        return dataclasses.replace(self, inputs=list(self.inputs), outputs=list(self.outputs),
                                   attrs=dict(self.attrs))


@dataclass
class Graph:
    nodes: list[Node]
    inputs: list[TensorInfo]                     # graph inputs that are not initializers
    outputs: list[TensorInfo]
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    value_info: dict[str, TensorInfo] = field(default_factory=dict)   # every known tensor
    opsets: dict[str, int] = field(default_factory=lambda: {"": 13})
    name: str = "graph"
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def opset(self) -> int:
        return self.opsets.get("", self.opsets.get("ai.onnx", 1))

    def info(self, name: str) -> TensorInfo:
        """TensorInfo for `name` (initializers included)."""
        if name in self.initializers:
            arr = self.initializers[name]
            return TensorInfo(name, arr.dtype, tuple(arr.shape))
        if name in self.value_info:
            return self.value_info[name]
        raise KeyError(name)

    def producers(self) -> dict[str, Node]:
        return {o: n for n in self.nodes for o in n.outputs if o}

    def consumers(self) -> dict[str, list[Node]]:
        out: dict[str, list[Node]] = {}
        for n in self.nodes:
            for i in n.inputs:
                if i:
                    out.setdefault(i, []).append(n)
        return out

    def iter_tensors(self) -> Iterator[str]:
        seen: set[str] = set()
        for t in [i.name for i in self.inputs] + list(self.initializers):
            if t not in seen:
                seen.add(t)
                yield t
        for n in self.nodes:
            for t in n.inputs + n.outputs:
                if t and t not in seen:
                    seen.add(t)
                    yield t

    def copy(self) -> "Graph":
        return Graph(nodes=[n.copy() for n in self.nodes],
                     inputs=[dataclasses.replace(i) for i in self.inputs],
                     outputs=[dataclasses.replace(o) for o in self.outputs],
                     initializers=dict(self.initializers),
                     value_info={k: dataclasses.replace(v) for k, v in self.value_info.items()},
                     opsets=dict(self.opsets), name=self.name, metadata=dict(self.metadata))
