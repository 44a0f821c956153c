"""cl_kernels/raster.cl on the OpenCL device (PoCL here), standalone: every op's lowering,
run by the kernels inside one shared arena buffer, equals apply_regions bit for bit."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from test_geometry import CASES, HYP, Case, data, node

from gpu_infer.geometry.table import chunked
from gpu_infer.backends.opencl.runtime import kernel_source
from gpu_infer.geometry import FILL, RasterPlan, apply_regions, dispatches, kernel_table, lower
from gpu_infer.scheduler import probe_all

cl = pytest.importorskip("pyopencl")
pytestmark = pytest.mark.opencl
LOCAL = 64
INT64_MIN = -2 ** 63
GAP = 5             # elements between tensors in the arena, so that every base is non-zero
OPTIONS = {1: ["-DELEM_BYTES=1"], 2: ["-DELEM_BYTES=2"], 4: ["-DELEM_BYTES=4"], 8: ["-DELEM_BYTES=8"],
           "f32-f16": ["-DCONVERT_F32_TO_F16"], "f16-f32": ["-DCONVERT_F16_TO_F32"]}


class Device:
    """A context, a queue and raster.cl built with every option set."""

    def __init__(self) -> None:
        status = probe_all()["opencl"]
        if not status.valid:
            pytest.skip(f"OpenCL invalid here: {status.reason}")
        props = status.device.properties
        device = cl.get_platforms()[props["platform_index"]].get_devices()[props["device_index"]]
        self.context = cl.Context([device])
        self.queue = cl.CommandQueue(self.context)
        source = kernel_source("raster")
        self.kernels = {}
        for key, options in OPTIONS.items():
            program = cl.Program(self.context, source).build(options=options)
            self.kernels[key] = {k.function_name: k for k in program.all_kernels()}

    def buffer(self, host: np.ndarray):
        return cl.Buffer(self.context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR, hostbuf=host)

    def run(self, plan: RasterPlan, inputs: list[np.ndarray | None], outputs: list[np.ndarray],
            conversion: str | None = None) -> None:
        """Run `plan` into `outputs`. Bit copies keep every tensor in one arena; a conversion
        reads a float32 arena and writes a float16 one."""
        dst_bits = _bits(outputs[0])
        src_bits = {"f32-f16": np.dtype(np.uint32), "f16-f32": np.dtype(np.uint16)}.get(conversion, dst_bits)
        src_arena, src_bases = _arena(inputs, src_bits, GAP)
        dst_arena, dst_bases = _arena(outputs, dst_bits, 2 * GAP)
        if conversion is None:       # one arena: the inputs, then the outputs
            shift = src_arena.size
            src_arena = dst_arena = np.concatenate([src_arena, dst_arena])
            dst_bases = [b + shift for b in dst_bases]
        kernels = self.kernels[conversion or outputs[0].itemsize]
        src_buf = self.buffer(src_arena)
        dst_buf = src_buf if conversion is None else self.buffer(dst_arena)
        for src, dst in dispatches(plan):
            table, total = chunked(kernel_table(plan, src, dst))
            table_buf = cl.Buffer(self.context, cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR, hostbuf=table)
            size = (-(-total // LOCAL) * LOCAL,)
            counts = (np.int32(len(table)), np.int32(total))
            if src == FILL:
                value = np.asarray(plan.fill_value).astype(outputs[dst].dtype).view(_bits(outputs[dst]))
                kernels["raster_fill"](self.queue, size, (LOCAL,), dst_buf, np.int32(dst_bases[dst]), table_buf,
                                    *counts, value[()])
            else:
                kernels["raster"](self.queue, size, (LOCAL,), src_buf, np.int32(src_bases[src]), dst_buf,
                               np.int32(dst_bases[dst]), table_buf, *counts)
        host = np.empty_like(dst_arena)
        cl.enqueue_copy(self.queue, host, dst_buf)
        for out, base in zip(outputs, dst_bases):
            out.reshape(-1).view(host.dtype)[...] = host[base:base + out.size]


def _bits(a: np.ndarray) -> np.dtype:
    return np.dtype(f"u{a.itemsize}")


def _arena(arrays: list[np.ndarray | None], bits: np.dtype, gap: int) -> tuple[np.ndarray, list[int]]:
    """The arrays' bits one after the other, `gap` sentinel elements before each."""
    parts, bases, at = [], [], 0
    for a in arrays:
        at += gap
        bases.append(at)
        parts.append(np.full(gap, 0xA5, bits))
        if a is not None:
            parts.append(np.ascontiguousarray(a).reshape(-1).view(bits))
            at += a.size
    return np.concatenate(parts + [np.full(gap, 0xA5, bits)]), bases


@pytest.fixture(scope="module")
def device() -> Device:
    return Device()


def _compare(device: Device, case: Case) -> None:
    from gpu_infer.backends.cpu import evaluate_node
    want = evaluate_node(case.node, case.inputs)
    plan = lower(case.node, case.input_shapes, case.constants, [w.shape for w in want])
    on_host = [np.empty(w.shape, w.dtype) for w in want]
    apply_regions(plan, case.inputs, on_host)
    on_device = [np.full(w.shape, 1).astype(w.dtype) for w in want]
    read = {r.src for r in plan.regions}           # Pad's pads, Gather's indices stay on the host
    device.run(plan, [a if i in read else None for i, a in enumerate(case.inputs)], on_device)
    for got, ref in zip(on_device, on_host):
        assert got.tobytes() == ref.tobytes(), case.node


@pytest.mark.parametrize("op", list(CASES))
def test_every_lowering_runs_on_the_device(device, op):
    @HYP
    @given(CASES[op])
    def run(case):
        _compare(device, case)
    run()


FIXED = [
    Case(node("Transpose", ["x"], perm=[2, 0, 1]), [data((3, 37, 41))], (False,)),
    Case(node("Pad", ["x", "p", "v"]), [data((3, 37, 41)), np.array([1, -2, 3, 0, 5, 2]), np.array(9)],
         (False, True, True)),
    Case(node("Pad", ["x", "p"], mode="reflect"), [data((2, 9, 11)), np.array([0, 4, 3, 0, 5, 2])], (False, True)),
    Case(node("Slice", ["x", "s", "e", "a", "t"]),
         [data((7, 13, 5)), np.array([-1, 11]), np.array([-100, 0]), np.array([0, 1]), np.array([-2, -3])],
         (False, True, True, True, True)),
    Case(node("Expand", ["x", "s"]), [data((3, 1, 5)), np.array([4, 3, 129, 5])], (False, True)),
    Case(node("Gather", ["x", "i"], axis=1), [data((4, 9, 3)), np.array([[8, -1, 0], [2, 4, 6]])], (False, True)),
    Case(node("Concat", ["a", "b", "c"], axis=1), [data((2, 3, 65)), data((2, 0, 65)), data((2, 5, 65))],
         (False,) * 3),
]


@pytest.mark.parametrize("dtype", [np.uint8, np.bool_, np.float16, np.int16, np.float32, np.int32, np.int64,
                                   np.float64])
@pytest.mark.parametrize("index", range(len(FIXED)))
def test_each_element_size_over_many_work_groups(device, dtype, index):
    case = FIXED[index]
    inputs = [a.astype(dtype) if i == 0 or case.node.op_type == "Concat" else a for i, a in enumerate(case.inputs)]
    if case.node.op_type == "Pad" and len(inputs) > 2:
        inputs[2] = inputs[2].astype(dtype)
    _compare(device, Case(case.node, inputs, case.consts))


SPECIAL = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 65520.0, 1e6, -np.inf, np.inf, 6e-8, 3e-5, 1 + 2 ** -11,
                    1 + 3 * 2 ** -11, 0.1, 1 / 3, -7.75], np.float32)


def _float_cases() -> list[tuple[RasterPlan, np.ndarray, tuple[int, ...]]]:
    x = np.resize(SPECIAL, 4 * 33 * 5).reshape(4, 33, 5)
    perm = lower(node("Transpose", ["x"], perm=[1, 2, 0]), [x.shape], [None], [(33, 5, 4)])
    flip = lower(node("Slice", ["x", "s", "e", "a", "t"]), [x.shape, (1,), (1,), (1,), (1,)],
                 [None, np.array([-1]), np.array([INT64_MIN]), np.array([1]), np.array([-1])], [x.shape])
    rows = lower(node("Slice", ["x", "s", "e", "a"]), [x.shape, (1,), (1,), (1,)],     # contiguous runs
                 [None, np.array([1]), np.array([30]), np.array([1])], [(4, 29, 5)])
    return [(perm, x, (33, 5, 4)), (flip, x, x.shape), (rows, x, (4, 29, 5))]


@pytest.mark.parametrize("case", range(3))
def test_precision_conversions_round_like_numpy(device, case):
    plan, x, out_shape = _float_cases()[case]
    want = np.empty(out_shape, np.float16)
    apply_regions(plan, [x], [want])                     # NumPy's cast: round to nearest even
    got = np.zeros(out_shape, np.float16)
    device.run(plan, [x], [got], "f32-f16")
    assert got.view(np.uint16).tobytes() == want.view(np.uint16).tobytes()
    back = np.zeros(out_shape, np.float32)
    with np.errstate(over="ignore"):
        half = x.astype(np.float16)
    device.run(plan, [half], [back], "f16-f32")
    ref = np.empty(out_shape, np.float32)
    apply_regions(plan, [half], [ref])
    assert back.tobytes() == ref.tobytes()
    nan = np.full((3, 3), np.nan, np.float32)
    plan = lower(node("Transpose", ["x"]), [(3, 3)], [None], [(3, 3)])
    got = np.zeros((3, 3), np.float16)
    device.run(plan, [nan], [got], "f32-f16")
    assert np.isnan(got).all()


def test_an_empty_tensor_needs_no_dispatch():
    plan = lower(node("Transpose", ["x"]), [(3, 0, 2)], [None], [(2, 0, 3)])
    assert dispatches(plan) == []
