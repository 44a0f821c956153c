"""Developer harness: run onnx's in-memory node test cases through the CPU kernels directly.

    python -m tests.tools.cpu_node_cases Conv Relu ...   # filter by op type (default: all)

It interprets each case's graph node by node with ``evaluate_node`` (no
session, no shape inference) and prints PASS / FAIL / MISSING per case. The
real gate is tests/test_onnx_backend_suite.py, which goes through the session.
"""
from __future__ import annotations

import sys
import traceback

import numpy as np
from onnx import numpy_helper
from onnx.backend.test.loader import load_model_tests

from gpu_infer.backends.cpu import CPU_REGISTRY, evaluate_node
from gpu_infer.frontend.attributes import model_opsets, node_from_proto


def _array(value):
    """Case data may be TensorProto (e.g. bfloat16/float8 cases) or ndarray."""
    return numpy_helper.to_array(value) if hasattr(value, "raw_data") else value


def _same(got: np.ndarray, exp: np.ndarray, rtol: float, atol: float) -> bool:
    if exp.dtype.kind in "fc":
        return bool(np.allclose(got, exp, rtol=rtol, atol=atol, equal_nan=True))
    try:
        g, e = got.astype(np.float64), exp.astype(np.float64)   # ml_dtypes: compare as floats, NaN-aware
        return bool(np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return bool(np.array_equal(got, exp))


def run_case(case) -> tuple[str, str]:
    model = case.model
    opsets = model_opsets(model)
    nodes = [node_from_proto(n, opsets) for n in model.graph.node]
    missing = sorted({n.op_type for n in nodes if n.op_type not in CPU_REGISTRY})
    if missing:
        return "MISSING", ",".join(missing)
    for inputs, expected in case.data_sets:
        env = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
        for vi, x in zip(model.graph.input, inputs):
            env[vi.name] = _array(x)
        for node in nodes:
            outs = evaluate_node(node, [env[i] if i else None for i in node.inputs])
            for name, val in zip(node.outputs, outs):
                if name:
                    env[name] = val
        for vi, exp in zip(model.graph.output, expected):
            got = env[vi.name]
            exp = _array(exp)
            if isinstance(exp, list):
                return "SKIP", "sequence output"
            if got.shape != exp.shape:
                return "FAIL", f"{vi.name}: shape {got.shape} != {exp.shape}"
            if got.dtype != exp.dtype:
                return "FAIL", f"{vi.name}: dtype {got.dtype} != {exp.dtype}"
            if not _same(got, exp, case.rtol, max(case.atol, 1e-6)):
                return "FAIL", f"{vi.name}: values differ"
    return "PASS", ""


def main(argv: list[str]) -> int:
    want = set(argv)
    counts: dict[str, int] = {}
    for case in load_model_tests(kind="node"):
        ops = {n.op_type for n in case.model.graph.node}
        if want and not (ops & want):
            continue
        try:
            status, why = run_case(case)
        except Exception as exc:  # report, keep going
            status, why = "ERROR", f"{type(exc).__name__}: {exc}"
            if "-v" in want:
                traceback.print_exc()
        counts[status] = counts.get(status, 0) + 1
        print(f"{status:8s} {case.name} {why}")
    print(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
