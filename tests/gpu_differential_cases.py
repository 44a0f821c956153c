"""Case generators for the GPU-vs-CPU differential test (tests/test_gpu_differential.py).

``CASES`` maps an op type to the models and feeds that exercise it: odd sizes (not multiples
of 4 or 64), ranks 0 to 6, size-0 dims, broadcasting, and special values (NaN, +-Inf, -0.0,
huge, tiny and denormal numbers). Every op a GPU backend registers needs an entry here; the
test fails until it has one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# NaN, infinities, signed zeros, float32 extremes, float32 denormals, float16 limits, plain numbers
SPECIAL = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 3.0e38, -3.0e38, 1.0e-40, -1.4e-45, 1.2e-38,
                    65504.0, -70000.0, 6.0e-8, 1.0, -1.0, 0.5], np.float32)

@dataclass
class Case:
    name: str
    model: onnx.ModelProto
    feeds: dict[str, np.ndarray]


@dataclass(frozen=True)
class OpCases:
    generate: Callable[[np.random.Generator], list[Case]]
    signed_zero: bool          # the spec fixes the sign of a zero result (IEEE arithmetic), so it must match


def values(rng: np.random.Generator, shape: tuple[int, ...], special: bool) -> np.ndarray:
    """Normal numbers over several magnitudes; with `special`, about one element in five from SPECIAL."""
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)
    if special:
        picks = rng.random(shape) < 0.2
        x = np.where(picks, rng.choice(SPECIAL, shape), x)
    return np.asarray(x, np.float32)


def single_node_model(op: str, input_shapes: dict[str, tuple[int, ...]], out_shape: tuple[int, ...],
                      opset: int = 17, initializers: dict[str, np.ndarray] | None = None,
                      **attrs) -> onnx.ModelProto:
    """One `op` node over float32 graph inputs (those not given as initializers) into output y."""
    initializers = initializers or {}
    graph = helper.make_graph(
        [helper.make_node(op, list(input_shapes), ["y"], **attrs)], f"{op.lower()}_case",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in input_shapes.items()
         if n not in initializers],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, n) for n, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def node_model(op: str, feeds: dict[str, np.ndarray], n_outputs: int = 1, opset: int = 17,
               initializers: dict[str, np.ndarray] | None = None, **attrs) -> onnx.ModelProto:
    """One `op` node reading the feeds (graph inputs, in order) then the initializers; output
    types and shapes from onnx's shape inference."""
    initializers = initializers or {}
    outputs = [f"y{k}" for k in range(n_outputs)]
    node = helper.make_node(op, list(feeds) + list(initializers), outputs, **attrs)
    graph = helper.make_graph(
        [node], f"{op.lower()}_case",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in feeds.items()],
        [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in outputs],
        [numpy_helper.from_array(np.asarray(v), n) for n, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def i64(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


def typed(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Data of any element type for data movement: floats with special values, integers, booleans."""
    if dtype == "float32":
        return values(rng, shape, True)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


DTYPES = ("float32", "int64", "int32", "int16", "uint8", "bool")


def movement_cases(build: Callable[[np.random.Generator], list[tuple[str, dict, dict]]]
                   ) -> Callable[[np.random.Generator], list[Case]]:
    """`build` gives (op, feeds, node_model keywords) triples; each runs on float32 data with special
    values and, for its first few, on every other element type too (data movement copies bits)."""
    def generate(rng: np.random.Generator) -> list[Case]:
        cases = []
        for k, (op, feeds, kw) in enumerate(build(rng)):
            for dtype in DTYPES if k < 3 else DTYPES[:1]:
                data = {name: typed(rng, v.shape, dtype) if v.dtype == np.float32 else v for name, v in feeds.items()}
                label = ",".join(str(list(v.shape)) for v in data.values())
                cases.append(Case(f"{op}({label} {dtype}) {kw.get('name', '')}",
                                  node_model(op, data, **{k2: v for k2, v in kw.items() if k2 != "name"}), data))
        return cases
    return generate


def f32(*shape: int) -> np.ndarray:
    return np.zeros(shape, np.float32)        # a placeholder: movement_cases fills it per element type


def transpose_cases(rng):
    out = []
    for shape in [(3, 5), (2, 3, 5), (1, 3, 7, 9), (2, 1, 3, 5, 7), (1, 2, 3, 1, 5, 3), (3, 0, 5), (7,), (),
                  (2049, 65)]:
        perm = [int(i) for i in rng.permutation(len(shape))]
        out.append(("Transpose", {"x": f32(*shape)}, {"perm": perm} if perm else {}))
    return out + [("Transpose", {"x": f32(2, 3, 5)}, {})]


def concat_cases(rng):
    return [("Concat", {"a": f32(2, 3, 5), "b": f32(2, 4, 5)}, {"axis": 1}),
            ("Concat", {"a": f32(3), "b": f32(0), "c": f32(5)}, {"axis": 0}),
            ("Concat", {"a": f32(1, 2, 3, 1, 5, 3), "b": f32(1, 2, 3, 1, 5, 2)}, {"axis": -1}),
            ("Concat", {"a": f32(2, 3, 7, 9), "b": f32(2, 3, 7, 9), "c": f32(2, 3, 7, 9)}, {"axis": 0}),
            ("Concat", {"a": f32(4, 5)}, {"axis": 1, "initializers": {"w": values(rng, (4, 3), True)}}),
            ("Concat", {"a": f32(2, 3), "b": f32(2, 2)}, {"axis": 1, "opset": 4})]


def split_cases(rng):
    return [("Split", {"x": f32(5, 7)}, {"axis": 1, "n_outputs": 2, "initializers": {"s": i64(3, 4)}}),
            ("Split", {"x": f32(2, 9, 3)}, {"axis": 1, "n_outputs": 3}),
            ("Split", {"x": f32(7, 2)}, {"n_outputs": 3, "opset": 18, "num_outputs": 3}),
            ("Split", {"x": f32(6, 4)}, {"axis": -1, "n_outputs": 2, "opset": 11, "split": [1, 3]}),
            ("Split", {"x": f32(0, 4)}, {"axis": 1, "n_outputs": 2})]


def slice_cases(rng):
    return [("Slice", {"x": f32(5, 7, 9)}, {"initializers": {"b": i64(1, -2), "e": i64(4, -10**9), "a": i64(0, 2),
                                                             "st": i64(2, -3)}}),
            ("Slice", {"x": f32(9, 3)}, {"initializers": {"b": i64(-1), "e": i64(-(2**63)), "a": i64(0),
                                                          "st": i64(-1)}}),
            ("Slice", {"x": f32(4, 6)}, {"initializers": {"b": i64(1, 1), "e": i64(3, 10**9)}}),
            ("Slice", {"x": f32(1, 3, 7, 9)}, {"opset": 9, "starts": [0, 2], "ends": [5, 4], "axes": [2, 3]}),
            ("Slice", {"x": f32(2049, 70)}, {"initializers": {"b": i64(3), "e": i64(2000), "a": i64(0)}})]


def pad_cases(rng):
    pads = i64(0, 1, 2, 0, 1, 0, 3, 2)
    return [("Pad", {"x": f32(2, 3, 4, 5)}, {"initializers": {"p": pads}}),
            ("Pad", {"x": f32(2, 3, 4, 5)}, {"mode": "reflect", "initializers": {"p": pads}}),
            ("Pad", {"x": f32(2, 3, 4, 5)}, {"mode": "edge", "initializers": {"p": pads}}),
            ("Pad", {"x": f32(3, 5)}, {"initializers": {"p": i64(1, 2, 0, 1), "v": np.array(-7.5, np.float32)}}),
            ("Pad", {"x": f32(3, 5)}, {"opset": 2, "pads": [2, 0, 1, 3], "mode": "reflect"}),
            ("Pad", {"x": f32(2, 3, 5)}, {"opset": 18, "initializers": {"p": i64(1, 2), "v": np.array(1, np.float32),
                                                                          "ax": i64(-1)}}),
            ("Pad", {"x": f32(4, 6)}, {"mode": "wrap", "opset": 19, "initializers": {"p": i64(1, 2, 3, 4)}})]


def depth_space_cases(rng):
    return [("DepthToSpace", {"x": f32(2, 8, 3, 5)}, {"blocksize": 2}),
            ("DepthToSpace", {"x": f32(1, 18, 2, 3)}, {"blocksize": 3, "mode": "CRD"}),
            ("SpaceToDepth", {"x": f32(2, 3, 6, 4)}, {"blocksize": 2})]


def expand_tile_cases(rng):
    return [("Expand", {"x": f32(3, 1)}, {"initializers": {"s": i64(2, 3, 5)}}),
            ("Expand", {"x": f32(1, 3, 1, 7)}, {"initializers": {"s": i64(2, 1, 5, 1)}}),
            ("Tile", {"x": f32(2, 3)}, {"initializers": {"r": i64(3, 2)}}),
            ("Tile", {"x": f32(1, 3, 2, 5)}, {"initializers": {"r": i64(2, 1, 3, 2)}}),
            ("Expand", {"x": f32(1)}, {"initializers": {"s": i64(2049, 70)}})]


def gather_cases(rng):
    return [("Gather", {"x": f32(5, 4, 3)}, {"axis": 1, "initializers": {"i": i64(3, -1, 0, 0, 2)}}),
            ("Gather", {"x": f32(7, 3)}, {"initializers": {"i": np.array(-2, np.int64)}}),
            ("Gather", {"x": f32(2, 6, 5)}, {"axis": -1, "initializers": {"i": np.array([[1, 4], [0, 4]], np.int32)}})]


def view_cases(op: str):
    def build(rng):
        if op == "Reshape":
            return [("Reshape", {"x": f32(2, 3, 4)}, {"initializers": {"s": i64(4, 0, -1)}}),
                    ("Reshape", {"x": f32(7)}, {"initializers": {"s": i64(7, 1, 1)}})]
        if op == "Flatten":
            return [("Flatten", {"x": f32(2, 3, 4, 5)}, {"axis": 2}), ("Flatten", {"x": f32(3, 5)}, {"axis": 0})]
        if op == "Squeeze":
            return [("Squeeze", {"x": f32(1, 3, 1, 5)}, {"initializers": {"a": i64(0, -2)}}),
                    ("Squeeze", {"x": f32(1, 7)}, {"opset": 11, "axes": [0]})]
        if op == "Unsqueeze":
            return [("Unsqueeze", {"x": f32(3, 5)}, {"initializers": {"a": i64(0, 3)}}),
                    ("Unsqueeze", {"x": f32(4)}, {"opset": 11, "axes": [-1]})]
        return [("Identity", {"x": f32(3, 5, 7)}, {}), ("Identity", {"x": f32()}, {})]
    return build


CASES: dict[str, OpCases] = {
    # data movement copies bits: signed zeros, NaN payloads and every element type survive
    "Transpose": OpCases(movement_cases(transpose_cases), signed_zero=True),
    "Concat": OpCases(movement_cases(concat_cases), signed_zero=True),
    "Split": OpCases(movement_cases(split_cases), signed_zero=True),
    "Slice": OpCases(movement_cases(slice_cases), signed_zero=True),
    "Pad": OpCases(movement_cases(pad_cases), signed_zero=True),
    "DepthToSpace": OpCases(movement_cases(depth_space_cases), signed_zero=True),
    "SpaceToDepth": OpCases(movement_cases(depth_space_cases), signed_zero=True),
    "Expand": OpCases(movement_cases(expand_tile_cases), signed_zero=True),
    "Tile": OpCases(movement_cases(expand_tile_cases), signed_zero=True),
    "Gather": OpCases(movement_cases(gather_cases), signed_zero=True),
    **{op: OpCases(movement_cases(view_cases(op)), signed_zero=True)
       for op in ("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity")},
}


def _collect_family_cases() -> None:
    """Op families keep their generators in tests/diffcases_<family>.py (a module-level CASES dict
    built with the helpers above); they all join CASES here."""
    import importlib
    from pathlib import Path
    for path in sorted(Path(__file__).parent.glob("diffcases_*.py")):
        family = importlib.import_module(path.stem)
        clash = set(family.CASES) & set(CASES)
        assert not clash, f"{path.name} redefines the cases of {sorted(clash)}"
        CASES.update(family.CASES)


_collect_family_cases()
