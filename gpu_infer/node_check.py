"""`gpu-infer check` / ``gpu_infer.check()``: run a model on a backend and on a reference backend
(the CPU by default) side by side and name the first node whose output diverges.

Both sides run the graph the backend really runs: the model specialized to the feeds' shapes
and optimized (BatchNormalization folded, activations fused ...), planned once more with every
node's output also a graph output, so that each intermediate tensor comes back to the host
(the optimizer does not run again: it would stop fusing nodes whose outputs became graph
outputs). Nodes are compared in execution order; each optimized node lists the original nodes
it stands for. The first divergent node is then run alone on the backend with the reference's
inputs, which tells a node that is wrong by itself from one that only amplifies small
differences of its inputs (an ill-conditioned op).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx

from .backends.base import Backend
from .errors import GpuInferError, OptionError
from .feeds import make_feeds
from .frontend import graph_from_onnx, load_model
from .ir import Graph, Node, TensorInfo
from .pipeline import prepare
from .pipeline.backend_choice import make_backends, resolve_backend
from .pipeline.plan import Plan
from .single_node import plan_alone
from .tensor_diff import TensorDiff, compare

#: default tolerance per precision level, relative to each tensor's scale
RTOL = {"fp32": 1e-4, "fp16-storage": 2e-2, "fp16-arith": 2e-2}


@dataclass
class NodeCheck:
    """One node of the optimized graph: where it ran and how far each output is from the reference."""
    index: int
    name: str
    op: str                                    # op type, "+Activation" when one is fused
    backend: str
    covers: list[str]                          # the model's nodes it stands for (fused, folded, removed)
    outputs: list[tuple[str, TensorDiff]]
    rtol: float

    @property
    def ok(self) -> bool:
        return all(d.within(self.rtol) for _, d in self.outputs)

    @property
    def worst(self) -> tuple[str, TensorDiff] | None:
        """The output furthest from its reference (mismatched values first)."""
        return max(self.outputs, key=lambda o: (not o[1].within(self.rtol), o[1].max_rel), default=None)


@dataclass
class CheckReport:
    model: str
    backend: str
    precision: str                             # the level the backend ran at
    reference: str
    rtol: float
    nodes: list[NodeCheck]
    outputs: list[tuple[str, TensorDiff]]      # the model's own outputs
    alone: list[tuple[str, TensorDiff]] = field(default_factory=list)   # first divergent node, rerun alone

    @property
    def first_divergent(self) -> NodeCheck | None:
        return next((n for n in self.nodes if not n.ok), None)

    @property
    def ok(self) -> bool:
        return self.first_divergent is None and all(d.within(self.rtol) for _, d in self.outputs)

    def format(self) -> str:
        lines = [f"check: {self.model} on {self.backend} ({self.precision}) against {self.reference}, "
                 f"tolerance {self.rtol:g} of each tensor's scale; {len(self.nodes)} nodes",
                 f"  {'#':>4s}  {'':8s} {'backend':7s} {'max abs':>9s} {'max rel':>9s} {'NaN':>4s} {'Inf':>4s}  "
                 f"node (op) [model nodes it covers]"]
        for n in self.nodes:
            worst = n.worst
            d = worst[1] if worst else None
            nums = (f"{d.max_abs:9.2e} {d.max_rel:9.2e} {d.nan_mismatches:4d} {d.inf_mismatches:4d}" if d
                    else f"{'-':>9s} {'-':>9s} {'-':>4s} {'-':>4s}")
            covers = f" [{', '.join(n.covers)}]" if n.covers != [n.name] else ""
            lines.append(f"  {n.index:4d}  {'ok' if n.ok else 'DIVERGES':8s} {n.backend:7s} {nums}  "
                         f"{n.name} ({n.op}){covers}")
        first = self.first_divergent
        if first is None:
            lines.append("every node matches")
        else:
            name, diff = first.worst
            lines.append(f"FIRST DIVERGENT NODE: {first.name} ({first.op}) on {first.backend}, output '{name}': "
                         f"{diff.describe()}")
            if len(first.covers) > 1 or first.covers != [first.name]:
                lines.append(f"  it stands for the model's nodes {', '.join(first.covers)}")
            if self.alone:
                alone_ok = all(d.within(self.rtol) for _, d in self.alone)
                verdict = ("so it is wrong by itself" if not alone_ok else
                           "so alone it matches: its inputs' small differences grow here")
                lines.append("  run alone on the reference's inputs: "
                             + "; ".join(f"'{t}': {d.describe()}" for t, d in self.alone) + f" ({verdict})")
        for name, diff in self.outputs:
            lines.append(f"model output '{name}': {'ok' if diff.within(self.rtol) else 'DIVERGES'}, "
                         f"{diff.describe()}")
        return "\n".join(lines)


def check(model: str | os.PathLike | bytes | onnx.ModelProto, feeds: dict[str, Any] | None = None,
          backend: str = "opencl", precision: str = "fp32", rtol: float | None = None, reference: str = "cpu",
          shapes: dict[str, tuple[int, ...]] | None = None, seed: int = 0) -> CheckReport:
    """Run `model` on `backend` and on `reference` node by node and compare every node's outputs.

    feeds: input name -> array (or list); None: random inputs (`shapes` for dynamic dimensions).
    rtol: the tolerance relative to each tensor's scale (default by precision: fp32 1e-4, fp16 2e-2).
    """
    from .session import InferenceSession
    if rtol is not None and not (np.isfinite(rtol) and rtol >= 0):
        raise OptionError(f"rtol must be a finite number >= 0, got {rtol}")
    backend, reference = resolve_backend(backend), resolve_backend(reference)
    proto = load_model(model)
    with InferenceSession(proto, backend=reference) as ref_session:
        if feeds is None:
            feeds = make_feeds(ref_session.get_inputs(), shapes or {}, {}, seed)
        ref_plan, arrays = ref_session.plan_for(feeds)
        if ref_plan.rest is not None or ref_plan.host_nodes:
            raise GpuInferError("check does not support models whose shapes depend on values (NonZero, shapes "
                                "computed from data) yet")
        graph = ref_plan.source                 # specialized and optimized: what every backend runs
    variant = _every_output(graph)
    shapes_in = {k: tuple(v.shape) for k, v in arrays.items()}
    with contextlib.ExitStack() as stack:
        side = stack.enter_context(_Side(variant, shapes_in, backend, precision))
        ref = stack.enter_context(_Side(variant, shapes_in, reference, "fp32"))
        got, want = side.run(arrays), ref.run(arrays)
        level = side.backends[0].precision
        tol = RTOL.get(level, RTOL["fp32"]) if rtol is None else float(rtol)
        covers = _coverage(graph_from_onnx(proto), graph)
        where = {name: b for name, _, b in side.plan.placement}
        nodes = [NodeCheck(k, n.name, n.op_type + (f"+{n.activation.op_type}" if n.activation else ""),
                           where[n.name], covers[n.name], [(o, compare(got[o], want[o])) for o in n.outputs if o], tol)
                 for k, n in enumerate(variant.nodes)]
        report = CheckReport(_model_name(model), side.backends[0].name, level, reference, tol, nodes,
                             [(o.name, compare(got[o.name], want[o.name])) for o in graph.outputs])
        first = report.first_divergent
        if first is not None:
            report.alone = side.rerun_alone(variant.nodes[first.index], want)
    return report


class _Side:
    """One backend's plan of the graph with every intermediate as an output, and its backends."""

    def __init__(self, graph: Graph, shapes: dict[str, tuple[int, ...]], backend: str, precision: str):
        self.graph = graph
        self.backends: list[Backend] = make_backends(backend, precision)
        self.plan: Plan | None = None
        try:
            self.plan = prepare(graph, shapes, self.backends, optimize_graph=False)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "_Side":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every tensor by name: the feeds and each output of the plan."""
        values = dict(feeds)
        values.update(zip((o.name for o in self.graph.outputs), self.plan.run(feeds)))
        return values

    def rerun_alone(self, node: Node, reference: dict[str, np.ndarray]) -> list[tuple[str, TensorDiff]]:
        """`node` alone on the backend it was placed on, fed the reference's values of its inputs."""
        placed = {name: where for name, _, where in self.plan.placement}[node.name]
        backend = next(b for b in self.backends if b.name == placed)
        alone = plan_alone(self.graph, node, backend, self.backends[-1])
        try:
            feeds = {i.name: reference[i.name] for i in alone.source.inputs}
            results = dict(zip((o.name for o in alone.source.outputs), alone.run(feeds)))
        finally:
            alone.release()
        return [(o, compare(results[o], reference[o])) for o in node.outputs if o]

    def close(self) -> None:
        if self.plan is not None:
            self.plan.release()
            self.plan = None
        for b in self.backends:
            b.close()


def _every_output(graph: Graph) -> Graph:
    """`graph` with each node output also a graph output (after the model's own, in node order)."""
    variant = graph.copy()
    have = {o.name for o in variant.outputs}
    for node in variant.nodes:
        for name in node.outputs:
            if name and name not in have:
                info = variant.value_info[name]
                variant.outputs.append(TensorInfo(name, info.dtype, info.shape))
                have.add(name)
    return variant


def _coverage(original: Graph, optimized: Graph) -> dict[str, list[str]]:
    """For each optimized node, the original nodes it stands for: walking back from its outputs
    through the original graph to tensors the optimized graph still has (Constant nodes, which
    only name weights, left out)."""
    producer = original.producers()
    order = {id(n): k for k, n in enumerate(original.nodes)}
    kept = {i.name for i in optimized.inputs} | set(optimized.initializers)
    kept.update(t for n in optimized.nodes for t in n.inputs + n.outputs if t)
    covers = {}
    for node in optimized.nodes:
        found: dict[int, Node] = {}
        stack = [t for t in node.outputs if t]
        while stack:
            p = producer.get(stack.pop())
            if p is None or id(p) in found or p.op_type == "Constant":
                continue
            found[id(p)] = p
            stack.extend(t for t in p.inputs if t and t not in kept)
        covers[node.name] = [n.name for n in sorted(found.values(), key=lambda n: order[id(n)])] or [node.name]
    return covers


def _model_name(model: Any) -> str:
    return os.fspath(model) if isinstance(model, (str, os.PathLike)) else f"<{type(model).__name__}>"
