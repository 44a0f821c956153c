"""Step 3 of pre-inference, per plan instance: every tensor as each backend holds it, and the
steps that run: executions, copies across backends or formats, and views.

A tensor is produced once, in the format its producer writes (its *home*). A consumer that
needs it elsewhere or in another format gets a copy step: home -> host -> device when two
devices meet, a device-side conversion when only the format (element type, layout)
differs. Every such step is an ``on_copy_buffer`` call, the only way data moves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..backends.base import Backend, Execution, StorageType, Tensor, TensorFormat, Workspace
from ..ir import Graph, Node


@dataclass(eq=False)
class Step:
    """One thing a run does: execute a node, copy a tensor, or (no work) alias a view."""
    workspace: Workspace                   # where it runs (a copy: the device side)
    inputs: list[Tensor | None]
    outputs: list[Tensor | None]
    node: Node | None = None
    execution: Execution | None = None

    @property
    def backend(self) -> Backend:
        return self.workspace.backend

    @property
    def is_copy(self) -> bool:
        return self.execution is None

    @property
    def is_view(self) -> bool:
        return self.execution is not None and self.execution.is_view

    @property
    def label(self) -> str:
        if self.node is not None:
            return f"{self.node.op_type}:{self.node.name}"
        src, dst = self.inputs[0], self.outputs[0]
        if src.backend is dst.backend:
            return f"convert:{src.name} {src.backend.name} {src.fmt.describe()}->{dst.fmt.describe()}"
        return f"copy:{src.name} {src.backend.name}->{dst.backend.name}"

    @property
    def call(self) -> Callable[[], None]:
        if self.execution is not None:
            execution, ins, outs = self.execution, self.inputs, self.outputs
            return lambda: execution.on_execute(ins, outs)
        ws, src, dst = self.workspace, self.inputs[0], self.outputs[0]
        return lambda: ws.on_copy_buffer(src, dst)


def describe_tensor(graph: Graph, name: str) -> Tensor | None:
    """A backend-less Tensor describing `name` (shape, dtype, constant)."""
    if not name:
        return None
    if name in graph.initializers:
        arr = graph.initializers[name]
        return Tensor(name, tuple(arr.shape), arr.dtype, constant=arr)
    info = graph.value_info[name]
    return Tensor(name, tuple(info.shape), info.dtype)


class StepBuilder:
    """Builds the tensors and steps of one plan instance."""

    def __init__(self, graph: Graph, host: Backend, workspaces: dict[int, Workspace]):
        self.graph = graph
        self.host = host
        self.workspaces = workspaces                      # id(backend) -> workspace
        self.tensors: dict[tuple[str, int, TensorFormat], Tensor] = {}
        self.home: dict[str, Tensor] = {}
        self.steps: list[Step] = []
        self._described: dict[str, Tensor | None] = {}

    def describe(self, name: str) -> Tensor | None:
        if name not in self._described:
            self._described[name] = describe_tensor(self.graph, name)
        return self._described[name]

    def host_format(self, dtype) -> TensorFormat:
        return self.host.default_format(dtype)

    def add_inputs(self) -> dict[str, Tensor]:
        out = {}
        for info in self.graph.inputs:
            t = self._new(info.name, self.host, self.host_format(info.dtype))
            self.home[info.name] = t
            out[info.name] = t
        return out

    def add_node(self, node: Node, backend: Backend, execution: Execution) -> Step:
        ws = self.workspaces[id(backend)]
        if execution.is_view:                   # only the data input matters; shape operands are constants
            src = self.tensor_on(node.inputs[0], backend, execution.input_format(0, self.describe(node.inputs[0])))
            info = self.graph.value_info[node.outputs[0]]
            view = Tensor(info.name, tuple(info.shape), info.dtype, backend, src.storage, format=src.fmt,
                          view_of=src)
            self.tensors[(view.name, id(backend), view.fmt)] = view
            self.home[view.name] = view
            step = Step(ws, [src], [view], node, execution)
        else:
            ins = [None if not name else
                   self.tensor_on(name, backend, execution.input_format(k, self.describe(name)))
                   if execution.reads_input(k) else self.describe(name)
                   for k, name in enumerate(node.inputs)]
            outs: list[Tensor | None] = []
            for k, name in enumerate(node.outputs):
                if not name:
                    outs.append(None)
                    continue
                t = self._new(name, backend, execution.output_format(k, self.describe(name)))
                self.home[name] = t
                outs.append(t)
            step = Step(ws, ins, outs, node, execution)
        self.steps.append(step)
        return step

    def add_outputs(self) -> list[Tensor]:
        return [self.tensor_on(o.name, self.host, self.host_format(self.graph.info(o.name).dtype))
                for o in self.graph.outputs]

    # -- placing a tensor on a backend in a format ------------------------------
    def _new(self, name: str, backend: Backend, fmt: TensorFormat, **kw) -> Tensor:
        info = self.describe(name)
        t = Tensor(name, info.shape, info.dtype, backend, format=fmt, **kw)
        self.tensors[(name, id(backend), fmt)] = t
        return t

    def tensor_on(self, name: str, backend: Backend, fmt: TensorFormat) -> Tensor:
        """`name` on `backend` in `fmt`, adding the copy steps that bring it there."""
        key = (name, id(backend), fmt)
        if key in self.tensors:
            return self.tensors[key]
        if name in self.graph.initializers:
            return self._new(name, backend, fmt, storage=StorageType.STATIC,
                             constant=self.graph.initializers[name])
        src = self.home[name]
        if src.backend is not backend and not src.backend.is_host and not backend.is_host:
            src = self.tensor_on(name, self.host, self.host_format(src.dtype))   # device -> host -> device
        dst = self._new(name, backend, fmt)
        device = backend if not backend.is_host else src.backend
        self.steps.append(Step(self.workspaces[id(device)], [src], [dst]))
        return dst
