"""Convolutions and GEMM on Vulkan, on the detector's heaviest shapes (PP-OCRv4 det at 1x3x640x640)
and a 1024^3 MatMul: the node's device time (session.profile, timestamp queries) per scheme the
cost model chooses between (each forced in turn), best of N, with its rate in GFLOP/s of the
node's own multiply-adds. Set GPU_INFER_VK_TEXEL=0 to time the storage-buffer variants.

    python benchmarks/conv_vulkan.py [--repeats 5] [--precision fp32] [--only 3x3] [--chosen]
"""
from __future__ import annotations

import argparse
import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.scheduler import schemes

# name -> (op, input shape, weight shape, attributes)
CASES: dict[str, tuple[str, tuple[int, ...], tuple[int, ...], dict]] = {
    "Conv 3x3 96->24 160x160": ("Conv", (1, 96, 160, 160), (24, 96, 3, 3), {"pads": [1, 1, 1, 1]}),
    "Conv 3x3 96->24 80x80": ("Conv", (1, 96, 80, 80), (24, 96, 3, 3), {"pads": [1, 1, 1, 1]}),
    "Conv 1x1 192->192 40x40": ("Conv", (1, 192, 40, 40), (192, 192, 1, 1), {}),
    "Conv 1x1 384->384 20x20": ("Conv", (1, 384, 20, 20), (384, 384, 1, 1), {}),
    "Conv 1x1 48->48 160x160": ("Conv", (1, 48, 160, 160), (48, 48, 1, 1), {}),
    "Conv 1x1 16->32 320x320": ("Conv", (1, 16, 320, 320), (32, 16, 1, 1), {}),
    "Conv 3x3/2 3->16 640x640": ("Conv", (1, 3, 640, 640), (16, 3, 3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}),
    "Conv dw 5x5 192 40x40": ("Conv", (1, 192, 40, 40), (192, 1, 5, 5), {"pads": [2, 2, 2, 2], "group": 192}),
    "Conv dw 3x3 16 320x320": ("Conv", (1, 16, 320, 320), (16, 1, 3, 3), {"pads": [1, 1, 1, 1], "group": 16}),
    "ConvTranspose 2x2/2 24->24 160x160": ("ConvTranspose", (1, 24, 160, 160), (24, 24, 2, 2), {"strides": [2, 2]}),
    "Conv 1x1 24->96 160x160 (ConvTranspose's GEMM)": ("Conv", (1, 24, 160, 160), (96, 24, 1, 1), {}),
    "MatMul 1024^3": ("MatMul", (1024, 1024), (1024, 1024), {}),
}


def model(op: str, x_shape: tuple[int, ...], w: np.ndarray, attrs: dict) -> onnx.ModelProto:
    graph = helper.make_graph([helper.make_node(op, ["x", "w"], ["y"], name="node", **attrs)], op,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.UNDEFINED, None)],
                              [numpy_helper.from_array(w, "w")])
    return onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))


def flops(op: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> float:
    if op == "MatMul":
        return 2.0 * x_shape[0] * x_shape[1] * w_shape[1]
    if op == "ConvTranspose":
        return 2.0 * math.prod(x_shape) * math.prod(w_shape[1:])
    return 2.0 * math.prod(y_shape) * math.prod(w_shape[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--precision", nargs="+", default=["fp32"])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--chosen", action="store_true", help="time the cost model's choice only")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for name, (op, x_shape, w_shape, attrs) in CASES.items():
        if args.only not in name:
            continue
        x = rng.standard_normal(x_shape, np.float32)
        w = (rng.standard_normal(w_shape, np.float32) / math.sqrt(math.prod(w_shape[1:]))).astype(np.float32)
        for precision in args.precision:
            def make() -> gpu_infer.InferenceSession:
                return gpu_infer.InferenceSession(model(op, x_shape, w, attrs), backend="vulkan",
                                                  precision=precision, strict=True)
            with schemes.observing() as seen:
                (y,) = make().run(None, {"x": x})
            runs = [("chosen", {})]
            if seen and not args.chosen:
                choice = seen[0]
                runs = [(f"{s.name}{' *' if s == choice.chosen else ''}", {choice.op_key: s})
                        for s in choice.candidates]
            for label, forced in runs:
                with schemes.forcing(forced):
                    sess = make()
                    best = min(t for _ in range(args.repeats) for step, _, t in sess.profile({"x": x})
                               if step.endswith(":node"))
                rate = flops(op, x_shape, w_shape, y.shape) / best / 1e9
                print(f"{precision:13s} {name:36s} {label:34s} {best * 1e3:9.2f} ms {rate:7.2f} GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
