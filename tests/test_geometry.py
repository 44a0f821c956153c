"""Data movement as regions: every lowering, run by apply_regions and by a NumPy emulation of
the GPU kernel's table walk, equals the CPU kernel bit for bit, and its regions cover each
output exactly once."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gpu_infer.backends.cpu import evaluate_node
from gpu_infer.errors import DeviceError, InputError, ShapeInferenceError
from gpu_infer.geometry import (FILL, MAX_REGION_RANK, RasterPlan, Region, apply_regions, dispatches, fits_int32,
                                from_packed, kernel_table, lower, packed_shape, packed_size, to_packed,
                                total_elements)
from gpu_infer.geometry.table import START
from gpu_infer.ir import Node

HYP = settings(max_examples=int(os.environ.get("GPU_INFER_HYPOTHESIS_EXAMPLES", "60")), deadline=None,
               database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
INT64_MAX, INT64_MIN = 2 ** 63 - 1, -2 ** 63
DTYPES = [np.int32, np.float16, np.int64, np.uint8, np.bool_, np.float64, np.int8, np.uint16]


@dataclass
class Case:
    """One node with its inputs; consts[i]: input i is known when lowering (a constant)."""
    node: Node
    inputs: list[np.ndarray | None]
    consts: tuple[bool, ...]

    @property
    def input_shapes(self) -> list[tuple[int, ...] | None]:
        return [None if a is None else a.shape for a in self.inputs]

    @property
    def constants(self) -> list[np.ndarray | None]:
        return [a if c else None for a, c in zip(self.inputs, self.consts)]


def node(op: str, inputs: list[str], n_out: int = 1, opset: int = 13, **attrs) -> Node:
    return Node(op, inputs, [f"y{i}" for i in range(n_out)], attrs, name=f"{op.lower()}_test", opset=opset)


def data(shape: tuple[int, ...], dtype=np.int32) -> np.ndarray:
    """Distinct-looking values, so that a misplaced element shows."""
    values = np.arange(1, math.prod(shape) + 1) * 7 % 251
    return (values % 2 == 1 if dtype == np.bool_ else values.astype(dtype)).reshape(shape)


dims = st.sampled_from([1, 1, 2, 2, 3, 3, 4, 5, 0])
dtypes = st.sampled_from(DTYPES)


def shapes(min_rank: int, max_rank: int, extent=dims):
    return st.lists(extent, min_size=min_rank, max_size=max_rank).map(tuple)


# -- running and checking --------------------------------------------------------------------

def assert_same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes()


def fill_bits(plan: RasterPlan, dtype: np.dtype) -> np.ndarray:
    return np.asarray(plan.fill_value).astype(dtype)


def emulate_kernel(plan: RasterPlan, inputs: list[np.ndarray | None], outputs: list[np.ndarray]) -> None:
    """What raster.cl / raster.comp do, in NumPy: per (src, dst) dispatch, work item i finds
    its table row by binary search over `start` and its indices by div/mod. Also checks the
    plan's invariant: every output element written exactly once, every read in bounds."""
    counts = [np.zeros(o.size, np.int64) for o in outputs]
    for src, dst in dispatches(plan):
        table = kernel_table(plan, src, dst).astype(np.int64)
        total = total_elements(plan, src, dst)
        assert table.shape[1] == 16 and total == int(np.prod(table[:, 2:6], axis=1).sum())
        i = np.arange(total)
        row = table[np.searchsorted(table[:, START], i, side="right") - 1]
        rest, s, d = i - row[:, START], row[:, 0].copy(), row[:, 1].copy()
        for k in range(3, -1, -1):
            c = rest % row[:, 2 + k]
            rest //= row[:, 2 + k]
            s += c * row[:, 6 + k]
            d += c * row[:, 10 + k]
        out = outputs[dst].reshape(-1)
        assert d.size == 0 or (d.min() >= 0 and d.max() < out.size)
        counts[dst] += np.bincount(d, minlength=out.size)
        if src == FILL:
            out[d] = fill_bits(plan, out.dtype)
        else:
            flat = np.ascontiguousarray(inputs[src]).reshape(-1)
            assert s.size == 0 or (s.min() >= 0 and s.max() < flat.size)
            out[d] = flat[s]
    for c in counts:
        assert (c == 1).all(), "regions of an output overlap or leave holes"


def check_plan(plan: RasterPlan, inputs: list[np.ndarray | None], want: list[np.ndarray]) -> None:
    for r in plan.regions:
        assert 1 <= len(r.size) <= MAX_REGION_RANK and min(r.size) >= 1, r
    assert (plan.fill_value is not None) == any(r.src == FILL for r in plan.regions)
    for run in (apply_regions, emulate_kernel):
        got = [np.empty(w.shape, w.dtype) for w in want]
        run(plan, inputs, got)
        for g, w in zip(got, want):
            assert_same(g, w)


def check_case(case: Case) -> RasterPlan:
    want = evaluate_node(case.node, case.inputs)
    plan = lower(case.node, case.input_shapes, case.constants, [w.shape for w in want])
    assert plan is not None, case.node
    check_plan(plan, case.inputs, want)
    return plan


# -- strategies: one per op, every opset form --------------------------------------------------

@st.composite
def transpose_cases(draw) -> Case:
    shape = draw(shapes(0, 6))
    perm = draw(st.none() | st.permutations(range(len(shape))))
    attrs = {} if perm is None else {"perm": list(perm)}
    return Case(node("Transpose", ["x"], opset=draw(st.sampled_from([1, 13])), **attrs),
                [data(shape, draw(dtypes))], (False,))


@st.composite
def concat_cases(draw) -> Case:
    rank = draw(st.integers(1, 6))
    base = list(draw(shapes(rank, rank)))
    opset = draw(st.sampled_from([1, 4, 11, 13]))
    if opset < 4 and rank > 1 and draw(st.booleans()):
        axis, attrs = 1, {}                      # Concat-1's default axis
    else:
        axis = draw(st.integers(-rank, rank - 1))
        attrs = {"axis": axis}
    dtype = draw(dtypes)
    inputs = [data(tuple(base[:axis % rank] + [e] + base[axis % rank + 1:]), dtype)
              for e in draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))]
    if rank > 1 and draw(st.booleans()):
        inputs.insert(draw(st.integers(0, len(inputs))), np.zeros((0,), dtype))   # "nothing"
    return Case(node("Concat", [f"x{i}" for i in range(len(inputs))], opset=opset, **attrs), inputs,
                (False,) * len(inputs))


@st.composite
def split_cases(draw) -> Case:
    shape = list(draw(shapes(1, 6)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    k = draw(st.integers(1, 4))
    form = draw(st.sampled_from(["attr", "input", "equal", "num_outputs"]))
    x = data(tuple(shape), draw(dtypes))
    if form == "equal":
        shape[axis] = k * draw(st.integers(0, 2))
        x = data(tuple(shape))
        return Case(node("Split", ["x"], k, opset=11, axis=axis), [x], (False,))
    if form == "num_outputs":
        chunk = -(-shape[axis] // k)
        assume(shape[axis] - (k - 1) * chunk >= 0)
        return Case(node("Split", ["x"], k, opset=18, axis=axis, num_outputs=k), [x], (False,))
    cuts = sorted(draw(st.lists(st.integers(0, shape[axis]), min_size=k - 1, max_size=k - 1)))
    sizes = np.diff([0, *cuts, shape[axis]]).astype(np.int64)
    if form == "attr":
        return Case(node("Split", ["x"], k, opset=2, axis=axis, split=sizes.tolist()), [x], (False,))
    return Case(node("Split", ["x", "split"], k, opset=13, axis=axis), [x, sizes], (False, True))


ends = st.one_of(st.integers(-12, 12), st.sampled_from([INT64_MAX, INT64_MIN]))


@st.composite
def slice_cases(draw) -> Case:
    shape = draw(shapes(1, 6))
    rank = len(shape)
    axes = draw(st.permutations(range(rank)))[:draw(st.integers(1, rank))]
    axes = [a - rank if draw(st.booleans()) else a for a in axes]
    starts = [draw(ends) for _ in axes]
    stops = [draw(ends) for _ in axes]
    x = data(shape, draw(dtypes))
    opset = draw(st.sampled_from([1, 10, 13]))
    if opset == 1:
        return Case(node("Slice", ["x"], opset=1, starts=starts, ends=stops, axes=axes), [x], (False,))
    steps = [draw(st.sampled_from([1, 2, 3, -1, -2, -3])) for _ in axes]
    inputs = [x, np.array(starts, np.int64), np.array(stops, np.int64), np.array(axes, np.int64),
              np.array(steps, np.int64)]
    if all(s == 1 for s in steps) and draw(st.booleans()):
        inputs = inputs[:4]
    return Case(node("Slice", ["x", "starts", "ends", "axes", "steps"][:len(inputs)], opset=opset), inputs,
                (False,) + (True,) * (len(inputs) - 1))


@st.composite
def pad_cases(draw) -> Case:
    mode = draw(st.sampled_from(["constant", "reflect", "edge", "wrap"]))
    shape = draw(shapes(1, 6) if mode == "constant" else shapes(1, 5, st.integers(1, 4)))
    rank = len(shape)
    before = [draw(st.integers(-shape[a], 3)) for a in range(rank)]
    after = [draw(st.integers(-(shape[a] + min(before[a], 0)), 3)) for a in range(rank)]
    if mode != "constant":
        assume(all(n + min(b, 0) + min(e, 0) > 0 for n, b, e in zip(shape, before, after)))
    dtype = draw(dtypes)
    x, value = data(shape, dtype), draw(st.sampled_from([0, 2.5, -3]))
    opset = draw(st.sampled_from([1, 2, 11, 18]))
    if opset < 11:
        return Case(node("Pad", ["x"], opset=opset, mode=mode, value=float(value),
                         **{"paddings" if opset == 1 else "pads": before + after}), [x], (False,))
    axes = list(range(rank))
    if opset == 18 and rank and draw(st.booleans()):           # pad only some axes, maybe negative
        axes = sorted(draw(st.permutations(range(rank)))[:draw(st.integers(1, rank))])
        before = [b if a in axes else 0 for a, b in enumerate(before)]
        after = [e if a in axes else 0 for a, e in enumerate(after)]
        axes = [a - rank if draw(st.booleans()) else a for a in axes]
    pads = np.array([before[a % rank] for a in axes] + [after[a % rank] for a in axes], np.int64)
    value_input = draw(st.sampled_from(["scalar", "empty", "absent"]))
    inputs: list[np.ndarray | None] = [x, pads, {"scalar": np.array(value).astype(dtype),
                                                 "empty": np.zeros((0,), dtype), "absent": None}[value_input]]
    names = ["x", "pads", "" if value_input == "absent" else "value"]
    if axes != list(range(rank)):
        inputs.append(np.array(axes, np.int64))
        names.append("axes")
    return Case(node("Pad", names, opset=opset, mode=mode), inputs, (False,) + (True,) * (len(inputs) - 1))


@st.composite
def depth_to_space_cases(draw) -> Case:
    b = draw(st.integers(1, 3))
    n, c, h, w = draw(st.integers(0, 2)), draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    opset = draw(st.sampled_from([1, 11, 13]))
    attrs = {"blocksize": b}
    if opset >= 11:
        attrs["mode"] = draw(st.sampled_from(["DCR", "CRD"]))
    return Case(node("DepthToSpace", ["x"], opset=opset, **attrs), [data((n, c * b * b, h, w), draw(dtypes))],
                (False,))


@st.composite
def space_to_depth_cases(draw) -> Case:
    b = draw(st.integers(1, 3))
    n, c, h, w = draw(st.integers(0, 2)), draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    attrs = {"blocksize": b}
    if draw(st.booleans()):
        attrs["mode"] = draw(st.sampled_from(["DCR", "CRD"]))
    return Case(node("SpaceToDepth", ["x"], opset=draw(st.sampled_from([1, 13])), **attrs),
                [data((n, c, h * b, w * b), draw(dtypes))], (False,))


@st.composite
def expand_cases(draw) -> Case:
    shape = draw(shapes(0, 4, st.sampled_from([1, 1, 2, 3])))
    target = [draw(st.sampled_from([1, 2, 3, 0])) if d == 1 else draw(st.sampled_from([1, d])) for d in shape]
    target = draw(shapes(0, 2, st.sampled_from([1, 2, 3]))) + tuple(target)
    if draw(st.booleans()):
        target = target[draw(st.integers(0, len(target))):]        # a shorter target broadcasts too
    return Case(node("Expand", ["x", "shape"], opset=draw(st.sampled_from([8, 13]))),
                [data(shape, draw(dtypes)), np.array(target, np.int64)], (False, draw(st.booleans())))


@st.composite
def tile_cases(draw) -> Case:
    shape = draw(shapes(0, 5))
    x = data(shape, draw(dtypes))
    if shape and draw(st.booleans()):                         # Tile-1: tiles and axis inputs
        axis = draw(st.integers(0, len(shape) - 1))
        return Case(node("Tile", ["x", "tiles", "axis"], opset=1),
                    [x, np.array(draw(st.integers(0, 3)), np.int64), np.array(axis, np.int64)], (False, True, True))
    reps = np.array([draw(st.integers(0, 3)) for _ in shape], np.int64)
    return Case(node("Tile", ["x", "repeats"], opset=draw(st.sampled_from([6, 13]))), [x, reps],
                (False, draw(st.booleans())))


@st.composite
def gather_cases(draw) -> Case:
    shape = draw(shapes(1, 4, st.integers(1, 5)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    index_shape = draw(shapes(0, 3, st.integers(0, 4)))
    count = math.prod(index_shape)
    pattern = draw(st.sampled_from(["random", "arithmetic", "repeat", "tile"]))
    if pattern == "random":
        flat = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=count, max_size=count)), np.int64)
    elif pattern == "arithmetic":
        flat = (draw(st.integers(0, n - 1)) + np.arange(count) * draw(st.integers(-2, 2))) % n - n * draw(
            st.integers(0, 1))
    elif pattern == "repeat":
        flat = np.repeat(np.arange(n), -(-count // n))[:count]
    else:
        flat = np.tile(np.arange(n), -(-count // n))[:count]
    indices = flat.reshape(index_shape).astype(draw(st.sampled_from([np.int32, np.int64])))
    return Case(node("Gather", ["x", "indices"], opset=draw(st.sampled_from([1, 11, 13])), axis=axis),
                [data(shape, draw(dtypes)), indices], (False, True))


@st.composite
def reshape_cases(draw) -> Case:
    shape = draw(shapes(0, 5))
    x = data(shape, draw(dtypes))
    op = draw(st.sampled_from(["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"]))
    if op == "Reshape":
        target = np.array([-1] if draw(st.booleans()) else [-1, 1], np.int64)
        return Case(node("Reshape", ["x", "shape"]), [x, target], (False, False))
    if op == "Flatten":
        return Case(node("Flatten", ["x"], axis=draw(st.integers(-len(shape), len(shape)))), [x], (False,))
    if op == "Squeeze":
        axes = [a for a, d in enumerate(shape) if d == 1]
        return Case(node("Squeeze", ["x"], opset=11, axes=axes), [x], (False,))
    if op == "Unsqueeze":
        return Case(node("Unsqueeze", ["x", "axes"]), [x, np.array([0, -1], np.int64)], (False, True))
    return Case(node("Identity", ["x"]), [x], (False,))


CASES = {"Transpose": transpose_cases(), "Concat": concat_cases(), "Split": split_cases(), "Slice": slice_cases(),
         "Pad": pad_cases(), "DepthToSpace": depth_to_space_cases(), "SpaceToDepth": space_to_depth_cases(),
         "Expand": expand_cases(), "Tile": tile_cases(), "Gather": gather_cases(), "Reshape": reshape_cases()}


@pytest.mark.parametrize("op", list(CASES))
def test_lowering_matches_the_cpu_kernel(op):
    @HYP
    @given(CASES[op])
    def run(case):
        check_case(case)
    run()


def test_scalar_pad_is_a_copy():
    # (the CPU kernel cannot pad a scalar: np.pad refuses an empty width list)
    x = np.array(5.5, np.float32)
    plan = lower(node("Pad", ["x", "pads"]), [()], [None, np.zeros(0, np.int64)], [()])
    check_plan(plan, [x], [x])


# -- region counts: the simplifier keeps plans small -------------------------------------------

@pytest.mark.parametrize("shape", [(1, 3, 8, 8), (2, 3, 5, 7), (4, 1, 1, 9), (2, 16, 3, 1)])
def test_nchw_to_nhwc_is_one_region(shape):
    x = data(shape)
    assert len(check_case(Case(node("Transpose", ["x"], perm=[0, 2, 3, 1]), [x], (False,))).regions) == 1


@pytest.mark.parametrize("k,axis", [(1, 1), (2, 1), (3, 0), (4, -1), (3, 2)])
def test_concat_and_split_take_one_region_per_tensor(k, axis):
    parts = [data((2, 3, 4, 5)) for _ in range(k)]
    concat = check_case(Case(node("Concat", [f"x{i}" for i in range(k)], axis=axis), parts, (False,) * k))
    assert len(concat.regions) == k
    shape = [2, 3, 4, 5]
    shape[axis] *= k
    whole = data(tuple(shape))
    split = check_case(Case(node("Split", ["x"], k, opset=11, axis=axis), [whole], (False,)))
    assert len(split.regions) == k


@pytest.mark.parametrize("pads", [[0, 0, 1, 1, 0, 0, 1, 1], [1, 2, 3, 4, 4, 3, 2, 1], [0, 0, 0, 2, 0, 0, 0, 0],
                                  [0, -1, 2, 0, 1, 0, -2, 3]])
def test_constant_pad_is_one_copy_and_a_fill_per_padded_side(pads):
    x = data((2, 3, 5, 6))
    plan = check_case(Case(node("Pad", ["x", "pads"], mode="constant"), [x, np.array(pads, np.int64)],
                           (False, True)))
    copies = [r for r in plan.regions if r.src != FILL]
    assert len(copies) == 1
    assert len(plan.regions) - 1 <= sum(p > 0 for p in pads)


def test_periodic_patterns_merge_into_one_region():
    x = data((3, 4, 5))
    tiled = Case(node("Gather", ["x", "i"], axis=1), [x, np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])], (False, True))
    assert len(check_case(tiled).regions) == 1
    repeated = Case(node("Gather", ["x", "i"], axis=2), [x, np.array([4, 4, 2, 2, 0, 0])], (False, True))
    assert len(check_case(repeated).regions) == 1
    tile = Case(node("Tile", ["x", "r"]), [x, np.array([1, 3, 1])], (False, True))
    assert len(check_case(tile).regions) == 1


def test_depth_to_space_needs_few_regions():
    x = data((1, 12, 5, 7))
    for mode in ("DCR", "CRD"):
        plan = check_case(Case(node("DepthToSpace", ["x"], blocksize=2, mode=mode), [x], (False,)))
        assert len(plan.regions) <= 2


def test_high_rank_regions_split_over_small_dims():
    x = data((2, 3, 2, 3, 2, 3))
    plan = check_case(Case(node("Transpose", ["x"], perm=[5, 3, 1, 4, 2, 0]), [x], (False,)))
    assert len(plan.regions) == 4


# -- layout -------------------------------------------------------------------------------------

@given(shapes(2, 5), dtypes)
@HYP
def test_packed_layout_round_trip_and_zero_padding(shape, dtype):
    x = data(shape, dtype)
    packed = np.full(packed_shape(shape), 99).astype(dtype)
    assert packed.size == packed_size(shape)
    plan = to_packed(shape)
    padded = np.pad(x, [(0, 0), (0, -shape[1] % 4)] + [(0, 0)] * (len(shape) - 2))
    blocks = padded.shape[1] // 4
    check_plan(plan, [x], [np.moveaxis(padded.reshape(shape[0], blocks, 4, *shape[2:]), 2, -1)])
    apply_regions(plan, [x], [packed])
    back = np.empty(shape, dtype)
    apply_regions(from_packed(shape), [packed], [back])
    assert_same(back, x)
    assert len(plan.regions) <= 3


def test_packed_layout_needs_rank_two():
    with pytest.raises(ShapeInferenceError):
        to_packed((5,))


# -- every dtype, the fill value's cast --------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
                                   np.uint64, np.float16, np.float32, np.float64, object])
def test_every_dtype_moves_exactly(dtype):
    x = data((2, 3, 4), dtype if dtype is not object else np.int64)
    if dtype is object:
        x = x.astype(str).astype(object)
    value = np.array("pad" if dtype is object else 7, dtype=dtype)
    for case in (Case(node("Transpose", ["x"], perm=[2, 0, 1]), [x], (False,)),
                 Case(node("Pad", ["x", "pads", "v"]), [x, np.array([0, 1, 0, 0, 2, 1]), value], (False, True, True))):
        want = evaluate_node(case.node, case.inputs)
        plan = lower(case.node, case.input_shapes, case.constants, [w.shape for w in want])
        got = np.empty(want[0].shape, want[0].dtype)
        apply_regions(plan, case.inputs, [got])
        if dtype is object:
            assert np.array_equal(got, want[0])
        else:
            assert_same(got, want[0])


# -- what lowering refuses, and bad input -------------------------------------------------------

def test_runtime_values_and_other_ops_give_none():
    x = (2, 3, 4)
    assert lower(node("Gather", ["x", "i"]), [x, (2,)], [None, None], [(2, 3, 4)]) is None
    assert lower(node("Slice", ["x", "s", "e"]), [x, (1,), (1,)], [None, None, np.array([2])], [(1, 3, 4)]) is None
    pads = np.zeros(6, np.int64)
    assert lower(node("Pad", ["x", "p"]), [x, (6,)], [None, None], [x]) is None
    assert lower(node("Pad", ["x", "p", "v"]), [x, (6,), ()], [None, pads, None], [x]) is None
    assert lower(node("Pad", ["x", "p", "", "a"], opset=18), [x, (6,), None, (3,)], [None, pads, None, None],
                 [x]) is None
    assert lower(node("Relu", ["x"]), [x], [None], [x]) is None
    assert lower(Node("Transpose", ["x"], ["y"], domain="com.example", opset=1), [x], [None], [x]) is None


def test_too_many_regions_give_none():
    rng = np.random.default_rng(0)
    indices = rng.permutation(40000)
    assert lower(node("Gather", ["x", "i"]), [(40000, 2), indices.shape], [None, indices], [(40000, 2)]) is None


@pytest.mark.parametrize("bad", [
    lambda: lower(node("Transpose", ["x"], perm=[0, 0, 1]), [(2, 3, 4)], [None], [(2, 2, 3)]),
    lambda: lower(node("Transpose", ["x"]), [(2, 3)], [None], [(2, 3)]),
    lambda: lower(node("Gather", ["x", "i"], axis=1), [(2, 3), (1,)], [None, np.array([3])], [(2, 1)]),
    lambda: lower(node("Gather", ["x", "i"], axis=2), [(2, 3), (1,)], [None, np.array([0])], [(2, 1)]),
    lambda: lower(node("Gather", ["x", "i"]), [(2, 3), (1,)], [None, np.array([0.5])], [(1, 3)]),
    lambda: lower(node("Concat", ["a", "b"], axis=0), [(2, 3), (2, 4)], [None, None], [(4, 3)]),
    lambda: lower(node("Split", ["x"], 2, axis=1), [(2, 4)], [None], [(2, 1), (2, 2)]),
    lambda: lower(node("Pad", ["x", "p"], mode="reflect"), [(0, 3), (4,)], [None, np.array([1, 0, 1, 0])], [(2, 3)]),
    lambda: lower(node("Pad", ["x", "p"], mode="mirror"), [(2, 3), (4,)], [None, np.zeros(4, np.int64)], [(2, 3)]),
    lambda: lower(node("Pad", ["x", "p"]), [(2, 3), (3,)], [None, np.zeros(3, np.int64)], [(2, 3)]),
    lambda: lower(node("Slice", ["x", "s", "e", "a", "t"]), [(4,), (1,), (1,), (1,), (1,)],
                  [None, np.array([0]), np.array([4]), np.array([0]), np.array([0])], [(4,)]),
    lambda: lower(node("DepthToSpace", ["x"], blocksize=2), [(1, 6, 2, 2)], [None], [(1, 1, 4, 4)]),
    lambda: lower(node("SpaceToDepth", ["x"], blocksize=2), [(1, 1, 3, 2)], [None], [(1, 4, 1, 1)]),
    lambda: lower(node("Expand", ["x", "s"]), [(2, 3), (2,)], [None, None], [(4, 3)]),
    lambda: lower(node("Tile", ["x", "r"]), [(2, 3), (2,)], [None, None], [(3, 3)]),
    lambda: lower(node("Reshape", ["x", "s"]), [(2, 3), (1,)], [None, None], [(7,)]),
])
def test_bad_nodes_raise_errors_naming_the_node(bad):
    with pytest.raises(ShapeInferenceError, match="_test"):
        bad()


def test_apply_regions_checks_bounds_and_tensors():
    plan = RasterPlan([Region(0, 0, (4,), 0, (2,), 0, (1,))])
    with pytest.raises(InputError):
        apply_regions(plan, [np.zeros(6)], [np.zeros(4)])
    with pytest.raises(InputError):
        apply_regions(plan, [np.zeros(8)], [np.zeros((4, 2))[:, 0]])
    with pytest.raises(InputError):
        apply_regions(RasterPlan([Region(1, 0, (4,), 0, (1,), 0, (1,))]), [np.zeros(8)], [np.zeros(4)])
    with pytest.raises(InputError):
        apply_regions(RasterPlan([Region(FILL, 0, (4,), 0, (0,), 0, (1,))]), [], [np.zeros(4)])


# -- the GPU table ------------------------------------------------------------------------------

def test_kernel_table_layout():
    plan = RasterPlan([Region(0, 0, (2, 3), 5, (1, -2), 0, (3, 1)), Region(FILL, 0, (4,), 0, (0,), 6, (1,))], 0)
    assert dispatches(plan) == [(0, 0), (FILL, 0)]
    assert kernel_table(plan, 0, 0).tolist() == [[5, 0, 1, 1, 2, 3, 0, 0, 1, -2, 0, 0, 3, 1, 0, 0]]
    assert total_elements(plan, 0, 0) == 6 and total_elements(plan, FILL, 0) == 4
    assert kernel_table(plan, 1, 0).shape == (0, 16)


def test_fits_int32_refuses_huge_tensors():
    small = lower(node("Transpose", ["x"]), [(3, 4)], [None], [(4, 3)])
    assert fits_int32(small, [(3, 4)], [(4, 3)])
    big = lower(node("Transpose", ["x"]), [(1 << 16, 1 << 16)], [None], [(1 << 16, 1 << 16)])
    assert not fits_int32(big, [(1 << 16, 1 << 16)], [(1 << 16, 1 << 16)])
    with pytest.raises(DeviceError):
        kernel_table(big, 0, 0)

