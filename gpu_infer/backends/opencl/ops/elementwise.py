"""What the elementwise executions share (unary.py, binary.py, cast.py, batchnorm.py): element types
as kernel build options (the roles of cl_kernels/elementwise.h), which types a kernel can hold,
and launch sizes.

A kernel's element types follow its tensors' storage types, not only the session's precision:
integers stay exact (int64 as OpenCL ``long``), float64 is ``double`` where the device has
cl_khr_fp64, and a float16 tensor at fp32 is half storage with float arithmetic.
"""
from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from ....scheduler import probe_all
from ...base import Tensor
from ..execution import CLExecution

VEC = 8                           # elements per work-item (cl_kernels/elementwise.h)
GROUP = 64                        # work-items per work-group
MAX_ELEMENTS = 2**31 - 2**16      # the kernels index with int (and round sizes up)

_INTEGERS = {np.dtype(t): name for t, name in (
    (np.int8, "char"), (np.uint8, "uchar"), (np.int16, "short"), (np.uint16, "ushort"),
    (np.int32, "int"), (np.uint32, "uint"), (np.int64, "long"), (np.uint64, "ulong"))}
FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
INTEGERS = frozenset(_INTEGERS)
NUMBERS = FLOATS | INTEGERS
BOOL = np.dtype(bool)


@functools.lru_cache(maxsize=None)
def device_has_fp64() -> bool:
    """Whether the OpenCL device the backend runs on has cl_khr_fp64 (double)."""
    status = probe_all()["opencl"]
    return status.device is not None and "cl_khr_fp64" in status.device.properties.get("extensions", ())


def holds(dtype: Any, allowed: frozenset[np.dtype] = NUMBERS) -> bool:
    """Whether the kernels can hold tensors of `dtype` (in `allowed`; float64 only with double)."""
    dtype = np.dtype(dtype)
    return dtype in allowed and (dtype != np.float64 or device_has_fp64())


def fits(tensors: Sequence[Tensor | None]) -> bool:
    """Whether every tensor can be indexed with int."""
    return all(t is None or t.size <= MAX_ELEMENTS for t in tensors)


def role_options(role: str, store: np.dtype, precision: str) -> list[str]:
    """Build options describing role `role` (A or B) for tensors stored as `store`."""
    store = np.dtype(store)
    if store == np.float16:
        if precision == "fp16-arith":
            return [f"-D{role}_T=half", f"-D{role}_FLOAT", "-DUSE_FP16"]
        return [f"-D{role}_HALF", f"-D{role}_FLOAT"]
    if store == np.float32:
        return [f"-D{role}_T=float", f"-D{role}_FLOAT"]
    if store == np.float64:
        return [f"-D{role}_T=double", f"-D{role}_FLOAT", "-DUSE_FP64"]
    wide = "ulong" if store.itemsize == 8 else "uint"
    if store == BOOL:
        return [f"-D{role}_T=uchar", f"-D{role}_BOOL", f"-D{role}_U={wide}"]
    return [f"-D{role}_T={_INTEGERS[store]}", f"-D{role}_U={wide}"] + ([f"-D{role}_SIGNED"] if store.kind == "i" else [])


def calc_dtype(store: np.dtype, precision: str) -> np.dtype:
    """The arithmetic type of a role stored as `store` (the type of its scalar kernel arguments)."""
    store = np.dtype(store)
    if store == np.float16 and precision != "fp16-arith":
        return np.dtype(np.float32)
    return np.dtype(np.uint8) if store == BOOL else store


def launch(items: int, *rest: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Global and local sizes for `items` work-items along dim 0 and `rest` along dims 1 and 2.

    A work-group is GROUP work-items along dim 0 (the contiguous one, which PoCL vectorises), or
    8 x 8 over dims 0 and 1 when dim 0 is short (a 7 x 7 image per channel: measured 2x faster
    there); global sizes are rounded up to it (the kernels check bounds). PoCL compiles a kernel
    once per work-group shape (about 0.1 s), so there are only these two.
    """
    local = (GROUP, 1) if items >= GROUP // 2 or not rest else (8, GROUP // 8)
    local = (local + (1,) * len(rest))[:1 + len(rest)]
    sizes = (items,) + rest
    return tuple(-(-max(s, 1) // q) * q for s, q in zip(sizes, local)), local


def flat_launch(n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sizes for n contiguous elements, VEC per work-item."""
    return launch(-(-n // VEC))


Launch = tuple[Any, tuple[int, ...], tuple[int, ...], str]  # a bound kernel, its global and local sizes, its name


class CLElementwise(CLExecution):
    """An elementwise execution: its kernels built for its tensors' element types, bound in
    on_resize into `launches`, which on_execute enqueues."""

    launches: list[Launch] = []

    def bind(self, name: str, args: Sequence[Any], options: Sequence[str],
             sizes: tuple[tuple[int, ...], tuple[int, ...]]) -> Launch:
        """Kernel `name` of this family built with `options` (the roles; no precision option, the
        roles carry it), its arguments bound, with its launch sizes. The program holds that kernel
        alone (-DFORM_<name>): PoCL compiles every kernel of a program when the runtime reads its
        binary for the disk cache, used or not."""
        rt = self.backend.rt
        options = list(dict.fromkeys(options)) + [f"-DFORM_{name.upper()}"]
        kernel = rt.kernel(rt.program(self.family, options), name, list(args), self.node.describe())
        return kernel, *sizes, f"kernel '{name}' of {self.node.describe()}"

    def on_execute(self, inputs, outputs) -> None:
        for kernel, global_size, local_size, what in self.launches:
            self.workspace.enqueue(kernel, global_size, local_size, what)

    def role(self, role: str, tensor: Tensor) -> list[str]:
        return role_options(role, tensor.store_dtype, self.precision)

    def scalar(self, tensor: Tensor, value: Any) -> np.generic:
        """`value` as a kernel argument in the arithmetic type of `tensor`'s role."""
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(value).astype(calc_dtype(tensor.store_dtype, self.precision))[()]
