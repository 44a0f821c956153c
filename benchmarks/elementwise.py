"""Add on a 1x64x160x160 float32 tensor, same shape and per channel: the GPU node's device time
(session.profile: OpenCL events, Vulkan timestamps; the node run on its own) next to NumPy's np.add
on the host, best of N runs.

    python benchmarks/elementwise.py [--backend opencl vulkan] [--repeats 50] [--precision fp32 fp16-storage]

Bandwidth counts the float32 bytes read and written (same shape 12 bytes an element, per channel 8),
whatever the storage, so the rows compare time for the same work.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from onnx import TensorProto, helper

import gpu_infer

SHAPE = (1, 64, 160, 160)
FORMS = {"same shape": (SHAPE, 12), "per channel": ((64, 1, 1), 8)}


def add_model(b_shape: tuple[int, ...]):
    graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"], name="add")], "add",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, SHAPE),
                               helper.make_tensor_value_info("b", TensorProto.FLOAT, b_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, SHAPE)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--precision", nargs="+", default=["fp32", "fp16-storage"])
    parser.add_argument("--backend", nargs="+", default=["opencl", "vulkan"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a = rng.standard_normal(SHAPE, np.float32)
    for form, (b_shape, bytes_per_element) in FORMS.items():
        b = rng.standard_normal(b_shape, np.float32)
        nbytes = bytes_per_element * a.size
        for backend in args.backend:
            for precision in args.precision:
                sess = gpu_infer.InferenceSession(add_model(b_shape), backend=backend, precision=precision,
                                                  strict=True)
                best = min(t for _ in range(args.repeats) for step, _, t in sess.profile({"a": a, "b": b})
                           if step == "Add:add")
                print(f"{backend:6s} {precision:13s} Add {form:12s} {best * 1e3:8.3f} ms "
                      f"{nbytes / best / 1e9:7.2f} GB/s")
        out = np.empty_like(a)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            np.add(a, b, out=out)
            times.append(time.perf_counter() - start)
        print(f"numpy  {'':13s} Add {form:12s} {min(times) * 1e3:8.3f} ms {nbytes / min(times) / 1e9:7.2f} GB/s")


if __name__ == "__main__":
    main()
