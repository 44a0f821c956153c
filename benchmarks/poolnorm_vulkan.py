"""Pooling and softmax on Vulkan, on the detector's shapes (PP-OCRv4 det at 1x3x640x640: its
global average pools over 96 x 160 x 160 and 384 x 20 x 20; a 3x3 MaxPool, stride 2, over its
largest 96 x 160 x 160 map) and Softmax over 1000 classes: the node's device time
(session.profile, timestamp queries) in each layout the cost model chooses between, best of N,
next to the NumPy equivalent on the host, and a Relu over the largest map as the yardstick of
what one read and one write of it costs on the device.

    python benchmarks/poolnorm_vulkan.py [--repeats 20] [--precision fp32 fp16-storage]
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.scheduler import schemes

CASES: dict[str, tuple[str, tuple[int, ...], dict, Callable[[np.ndarray], np.ndarray]]] = {
    "GlobalAveragePool 1x96x160x160": ("GlobalAveragePool", (1, 96, 160, 160), {},
                                       lambda x: x.mean(axis=(2, 3), keepdims=True)),
    "GlobalAveragePool 1x384x20x20": ("GlobalAveragePool", (1, 384, 20, 20), {},
                                      lambda x: x.mean(axis=(2, 3), keepdims=True)),
    "MaxPool 3x3/2 1x96x160x160": ("MaxPool", (1, 96, 160, 160),
                                   {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]},
                                   lambda x: maxpool3x3s2(x)),
    "Relu 1x96x160x160 (yardstick)": ("Relu", (1, 96, 160, 160), {}, lambda x: np.maximum(x, 0)),
    "Softmax 1x1000": ("Softmax", (1, 1000), {"axis": -1},
                       lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1)),
}


def maxpool3x3s2(x: np.ndarray) -> np.ndarray:
    """NumPy's 3x3 stride-2 MaxPool with 1 of padding: the maximum of 9 strided slices."""
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)], constant_values=-np.inf)
    oh, ow = (x.shape[2] - 1) // 2 + 1, (x.shape[3] - 1) // 2 + 1
    out = padded[:, :, :2 * oh:2, :2 * ow:2].copy()
    for i in range(3):
        for j in range(3):
            np.maximum(out, padded[:, :, i:i + 2 * oh:2, j:j + 2 * ow:2], out=out)
    return out


def model(op: str, shape: tuple[int, ...], attrs: dict):
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"], name="node", **attrs)], op,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.UNDEFINED, None)])
    return onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))


def layouts(make: Callable[[], gpu_infer.InferenceSession], x: np.ndarray) -> list[tuple[str, dict]]:
    """("chosen", {}) and, for a node with schemes, each candidate forced."""
    with schemes.observing() as seen:
        make().run(None, {"x": x})
    if not seen:
        return [("chosen", {})]
    choice = seen[0]
    return [(f"{s.describe()}{' (chosen)' if s == choice.chosen else ''}", {choice.op_key: s})
            for s in choice.candidates]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--precision", nargs="+", default=["fp32", "fp16-storage"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for name, (op, shape, attrs, reference) in CASES.items():
        x = rng.standard_normal(shape, np.float32)
        for precision in args.precision:
            def make() -> gpu_infer.InferenceSession:
                return gpu_infer.InferenceSession(model(op, shape, attrs), backend="vulkan", precision=precision,
                                                  strict=True)
            for label, forced in layouts(make, x):
                with schemes.forcing(forced):
                    sess = make()
                    best = min(t for _ in range(args.repeats) for step, _, t in sess.profile({"x": x})
                               if step.endswith(":node"))
                print(f"vulkan {precision:13s} {name:32s} {label:28s} {best * 1e3:8.3f} ms")
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            reference(x)
            times.append(time.perf_counter() - start)
        print(f"numpy  {'':13s} {name:32s} {'':28s} {min(times) * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
