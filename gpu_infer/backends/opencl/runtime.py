"""The OpenCL runtime: one context per device per process, programs built once per
(source, options) and shared by every session and thread, their binaries kept on disk.

Every pyopencl call of the backend goes through this class, which turns pyopencl's errors
(``cl.Error`` and its ``MemoryError`` / ``LogicError`` / ``RuntimeError``) into a
``DeviceError`` naming the operation and the device, and refuses, before the driver sees it,
a buffer larger than ``CL_DEVICE_MAX_MEM_ALLOC_SIZE`` or one that would take the buffers this
process holds on the device beyond ``CL_DEVICE_GLOBAL_MEM_SIZE`` (many drivers accept such an
allocation and fail only at the first enqueue that touches it).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import re
import threading
from typing import Any, NoReturn, Sequence

import numpy as np

from ...errors import DeviceError
from ...scheduler import BackendStatus
from ..common import check_alloc
from ..disk_cache import DiskCache
from ..gpu_common import GpuRuntime, runtime_status_check

BUILD_OPTIONS = {"fp32": [], "fp16-storage": ["-DSTORAGE_HALF"], "fp16-arith": ["-DCOMPUTE_HALF"]}
CACHE_KIND = "opencl-programs"


_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"[ \t]*$', re.MULTILINE)


@functools.lru_cache(maxsize=None)
def kernel_source(family: str) -> str:
    """The OpenCL C of cl_kernels/<family>.cl with each ``#include "x.h"`` replaced by
    cl_kernels/x.h: the program needs no include path, and this text (with the options and the
    device) is all its binary depends on."""
    return _inline(f"{family}.cl")


def _inline(name: str) -> str:
    text = importlib.resources.files("gpu_infer.cl_kernels").joinpath(name).read_text()
    return _INCLUDE.sub(lambda m: _inline(m.group(1)), text)


class CLRuntime(GpuRuntime):
    """The device, its context, programs built once per (source, options), and the device
    calls of every OpenCL execution (errors as DeviceError, allocations checked)."""

    def __init__(self, cl: Any, device: Any):
        super().__init__()
        self.cl = cl
        self.device = device
        self.name = device.name.strip()
        self.context = self._call("context creation", lambda: cl.Context([device]))
        self.max_buffer_bytes = int(device.max_mem_alloc_size)
        self.global_mem_bytes = int(device.global_mem_size)
        self.live_bytes = 0                  # bytes of the buffers made by buffer() and not freed
        self._memory_lock = threading.Lock()
        self._programs: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._timed: dict[Any, list[tuple[str, Any]]] = {}   # profiling queue -> (what, event) of its commands
        self.program_cache = DiskCache.of_kind(CACHE_KIND)
        platform = device.platform
        self._device_key = {
            "device": self.name, "vendor": device.vendor.strip(), "driver": device.driver_version.strip(),
            "opencl": device.version.strip(), "platform": f"{platform.name.strip()} {platform.version.strip()}",
            "pyopencl": cl.VERSION_TEXT, "pyopencl_build_options": os.environ.get("PYOPENCL_BUILD_OPTIONS", ""),
        }

    @property
    def driver_caches_programs(self) -> bool:
        """PoCL with its kernel cache on (its default) keeps compiled programs itself, work-group
        functions included; there, asking for a program's binary makes PoCL compile every kernel
        of it once more (the detector's cold first plan: 36 s with the query, 18 s without), for
        nothing its own cache lacks, so the binaries are not stored."""
        return "Portable Computing Language" in self.device.platform.name and \
            os.environ.get("POCL_KERNEL_CACHE", "1") != "0"

    def describe(self) -> str:
        d = self.device
        return f"{self.name} | {d.vendor.strip()} | {d.driver_version.strip()} | {d.version.strip()}"

    @property
    def cache_stats(self) -> dict[str, Any]:
        """Program-binary cache hits, misses, rejected entries and writes in this process."""
        return {"folder": str(self.program_cache.folder) if self.program_cache.enabled else None,
                **self.program_cache.stats.as_dict()}

    # -- errors ---------------------------------------------------------------
    def _fail(self, what: str, exc: Exception) -> NoReturn:
        raise DeviceError(f"OpenCL {what} failed on {self.name}: {exc}") from exc

    def _call(self, what: str, fn: Any) -> Any:
        try:
            return fn()
        except self.cl.Error as exc:
            self._fail(what, exc)

    # -- programs -------------------------------------------------------------
    def program(self, family: str, options: Sequence[str]) -> Any:
        """cl_kernels/<family>.cl built with `options`: from memory, from the disk cache, or
        from source (then stored on disk)."""
        key = (family, tuple(options))
        with self.lock:
            if key not in self._programs:
                self._programs[key] = self._load_or_build(family, list(options))
            return self._programs[key]

    def program_key(self, family: str, options: list[str]) -> dict[str, Any]:
        """What a program binary depends on: the device and driver, the source, the options."""
        source = kernel_source(family)
        return {**self._device_key, "family": family, "options": options,
                "source_sha256": hashlib.sha256(source.encode()).hexdigest()}

    def _load_or_build(self, family: str, options: list[str]) -> Any:
        cl, what = self.cl, f"build of {family}.cl {options}"
        key = self.program_key(family, options)
        binary = self.program_cache.load(key)
        if binary is not None:
            try:
                return cl.Program(self.context, [self.device], [binary]).build(options=options)
            except cl.Error as exc:           # a binary this driver no longer takes: rebuild
                self.program_cache.reject(f"{family}.cl {options}: the driver refused the binary: {exc}")
        # cache_dir=False: pyopencl's own binary cache would duplicate this one
        program = self._call(what, lambda: cl.Program(self.context, kernel_source(family)).build(
            options=options, cache_dir=False))
        if self.program_cache.enabled and not self.driver_caches_programs:
            binaries = self._call(f"binary query of {family}.cl", lambda: program.get_info(
                cl.program_info.BINARIES))
            if binaries and binaries[0]:
                self.program_cache.store(key, bytes(binaries[0]))
        return program

    def kernel(self, program: Any, name: str, args: Sequence[Any], what: str) -> Any:
        """Kernel `name` of `program` with its arguments bound."""
        def make() -> Any:
            kernel = self.cl.Kernel(program, name)
            kernel.set_args(*args)
            return kernel
        return self._call(f"kernel creation of '{name}' for {what}", make)

    # -- memory ---------------------------------------------------------------
    def buffer(self, nbytes: int, what: str, hostbuf: np.ndarray | None = None, read_only: bool = False) -> Any:
        """A buffer of `nbytes` (at least 64), filled from `hostbuf` if given."""
        cl = self.cl
        size = max(int(nbytes), 64) if hostbuf is None else hostbuf.nbytes
        check_alloc(what, size, self.max_buffer_bytes, self.name)
        with self._memory_lock:
            if self.live_bytes + size > self.global_mem_bytes:
                raise DeviceError(f"{what} needs {size / 2**20:.1f} MiB; with the {self.live_bytes / 2**20:.1f} MiB "
                                  f"this process already holds there, more than the "
                                  f"{self.global_mem_bytes / 2**20:.1f} MiB of global memory {self.name} has")
            self.live_bytes += size
        access = cl.mem_flags.READ_ONLY if read_only else cl.mem_flags.READ_WRITE
        try:
            if hostbuf is None:
                return self._call(f"allocation of {what}", lambda: cl.Buffer(self.context, access, size))
            flags = access | cl.mem_flags.COPY_HOST_PTR
            return self._call(f"allocation of {what}", lambda: cl.Buffer(self.context, flags, hostbuf=hostbuf))
        except BaseException:
            self._forget(size)
            raise

    def free(self, buf: Any) -> None:
        self._forget(int(buf.size))
        self._call("buffer release", buf.release)

    def _forget(self, size: int) -> None:
        with self._memory_lock:
            self.live_bytes -= size

    # -- queues ---------------------------------------------------------------
    def new_queue(self, profiling: bool = False) -> Any:
        """An in-order queue of its own (one per workspace: concurrent runs do not wait on each other).
        profiling=True: events carry device timestamps (``PROFILING_ENABLE``), for profiled runs only."""
        cl = self.cl
        props = cl.command_queue_properties.PROFILING_ENABLE if profiling else 0
        return self._call("queue creation", lambda: cl.CommandQueue(self.context, self.device, properties=props))

    def collect_events(self, queue: Any, sink: list[tuple[str, Any]] | None) -> None:
        """Append (what, event) of every command enqueued on `queue` to `sink` from now on; None stops."""
        if sink is None:
            self._timed.pop(queue, None)
        else:
            self._timed[queue] = sink

    def _note(self, queue: Any, what: str, event: Any) -> Any:
        if self._timed:                            # (no profiled queue: nothing to look up)
            sink = self._timed.get(queue)
            if sink is not None:
                sink.append((what, event))
        return event

    def enqueue(self, queue: Any, kernel: Any, global_size: tuple[int, ...], local_size: tuple[int, ...] | None,
                what: str) -> Any:
        """Enqueue a kernel; its event (profiling reads it)."""
        try:
            event = self.cl.enqueue_nd_range_kernel(queue, kernel, global_size, local_size)
        except self.cl.Error as exc:
            self._fail(f"enqueue of {what}", exc)
        return self._note(queue, what, event)

    def copy(self, queue: Any, dst: Any, src: Any, what: str, **offsets: Any) -> Any:
        """enqueue_copy between a buffer and a host array (blocking when the host receives); its event."""
        try:
            event = self.cl.enqueue_copy(queue, dst, src, **offsets)
        except self.cl.Error as exc:
            self._fail(f"copy of {what}", exc)
        return self._note(queue, f"copy of {what}", event)

    def fill(self, queue: Any, buf: Any, value: np.generic, nbytes: int, what: str) -> Any:
        try:
            event = self.cl.enqueue_fill_buffer(queue, buf, value, 0, nbytes)
        except self.cl.Error as exc:
            self._fail(f"fill of {what}", exc)
        return self._note(queue, f"fill of {what}", event)

    def device_seconds(self, event: Any) -> float:
        """How long a finished command of a profiling queue ran on the device."""
        return self._call("profiling query", lambda: (event.profile.end - event.profile.start) * 1e-9)

    def finish(self, queue: Any) -> None:
        try:
            queue.finish()
        except self.cl.Error as exc:
            self._fail("queue finish (the work enqueued since the last finish)", exc)


@functools.lru_cache(maxsize=None)
def _runtime(platform_index: int, device_index: int) -> CLRuntime:
    import pyopencl as cl
    return CLRuntime(cl, cl.get_platforms()[platform_index].get_devices()[device_index])


def get_runtime(status: BackendStatus) -> CLRuntime:
    """The process-wide runtime of the device the probe chose."""
    runtime_status_check(status, "OpenCL")
    props = status.device.properties
    return _runtime(props["platform_index"], props["device_index"])
