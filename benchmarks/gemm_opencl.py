"""GFLOP/s of the OpenCL GEMM core next to NumPy's matmul, in the same process.

    python benchmarks/gemm_opencl.py [--size 1024] [--repeats 10]

A strict OpenCL session runs one MatMul (A a graph input, B a constant: weights as a model has
them) at FP32 and FP16 storage; the time is the MatMul step alone (``InferenceSession.profile``:
A's packing and the product, enqueued and finished), the best of the repeats, once per tile shape
(forced as ``gpu-infer bench --tune`` forces a scheme) and once as the cost model picks. NumPy's
matmul on the same operands, best of the repeats, is the reference.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
import gpu_infer.backends.opencl.ops.gemm_core as gemm_core
from gpu_infer.scheduler.schemes import Scheme, forcing


def matmul_model(b: np.ndarray, m: int):
    k, n = b.shape
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul")], "gemm",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
                              [numpy_helper.from_array(b, "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def best_step_seconds(sess: gpu_infer.InferenceSession, feeds: dict, repeats: int) -> float:
    sess.run(None, feeds)
    return min(t for _ in range(repeats) for label, _, t in sess.profile(feeds) if label.startswith("MatMul"))


def candidates(model, feeds: dict, precision: str) -> tuple[str, list[Scheme]]:
    """The op key and tile schemes the MatMul node lists."""
    asked = []
    real = gemm_core.choose

    def spy(device, key, schemes):
        asked.append((key, list(schemes)))
        return real(device, key, schemes)
    gemm_core.choose = spy
    try:
        gpu_infer.InferenceSession(model, backend="opencl", precision=precision, strict=True).run(None, feeds)
    finally:
        gemm_core.choose = real
    return asked[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    n = args.size
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), np.float32), rng.standard_normal((n, n), np.float32)
    flops = 2.0 * n ** 3
    numpy_best = min(_timed(lambda: a @ b) for _ in range(args.repeats))
    print(f"GEMM {n}x{n}x{n} on {gpu_infer.scheduler.probe_all()['opencl'].reason}")
    print(f"  numpy matmul                      {flops / numpy_best / 1e9:7.1f} GFLOP/s")
    model, feeds, want = matmul_model(b, n), {"a": a}, a @ b
    for precision in ("fp32", "fp16-storage"):
        key, schemes = candidates(model, feeds, precision)
        for scheme in schemes + [None]:
            with forcing({key: scheme} if scheme else {}):
                sess = gpu_infer.InferenceSession(model, backend="opencl", precision=precision, strict=True)
                seconds = best_step_seconds(sess, feeds, args.repeats)
                err = float(np.abs(sess.run(None, feeds)[0] - want).max() / np.abs(want).max())
            label = scheme.name if scheme else "cost model's pick"
            print(f"  opencl {precision:12s} {label:20s} {flops / seconds / 1e9:7.1f} GFLOP/s   "
                  f"(max error {err:.1e} of the largest output)")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
