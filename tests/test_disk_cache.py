"""The on-disk program and pipeline caches: the store's format and robustness (truncated,
random, foreign, unreadable entries, read-only folders, a folder that is a file, concurrent
writers), OpenCL program binaries and the Vulkan pipeline cache across processes (hits
counted by the runtime, not timed), and the Vulkan header check."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import need_backend

from gpu_infer.backends import disk_cache
from gpu_infer.backends.disk_cache import MAGIC, DiskCache, cache_root
from gpu_infer.scheduler import probe_all

KEY = {"device": "gpu-a", "driver": "1.2.3", "source_sha256": "ab" * 32, "options": ["-DX=1"]}
PAYLOAD = bytes(range(256)) * 40


@pytest.fixture
def store(tmp_path) -> DiskCache:
    return DiskCache(tmp_path / "kind")


def _entry(store: DiskCache) -> Path:
    path = store.path(KEY)
    assert path is not None
    return path


def _deny(monkeypatch, what: str, path: Path) -> None:
    """Make reading `path` or writing into the folder `path` fail with EACCES: by permission
    bits, or (root ignores them) by failing the call the store makes."""
    if os.geteuid() != 0:
        path.chmod(0o555 if what == "write" else 0o000)
        return
    if what == "write":
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr(disk_cache.tempfile, "mkstemp", refuse)
    else:
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(
            PermissionError(13, "Permission denied")) if self == path else real(self))


# -- the store ------------------------------------------------------------------------

def test_round_trip_with_a_readable_header(store):
    assert store.load(KEY) is None and store.stats.misses == 1
    assert store.store(KEY, PAYLOAD)
    assert store.load(KEY) == PAYLOAD and store.stats.hits == 1
    blob = _entry(store).read_bytes()
    header = json.loads(blob[len(MAGIC):blob.index(b"\n", len(MAGIC))])
    assert header["key"] == KEY and header["payload_bytes"] == len(PAYLOAD)
    assert _entry(store).parent == store.folder and len(list(store.folder.iterdir())) == 1   # no temp files left


def test_one_file_per_key(store):
    other = dict(KEY, options=["-DX=2"])
    store.store(KEY, b"one")
    store.store(other, b"two")
    assert store.path(KEY) != store.path(other)
    assert (store.load(KEY), store.load(other)) == (b"one", b"two")


def test_location_from_the_environment(monkeypatch, tmp_path):
    import platformdirs
    monkeypatch.delenv("GPU_INFER_CACHE_DIR", raising=False)
    assert cache_root() == Path(platformdirs.user_cache_dir("gpu_infer"))
    monkeypatch.setenv("GPU_INFER_CACHE_DIR", str(tmp_path))
    assert DiskCache.of_kind("k").folder == tmp_path / "k"
    for off in ("", "off", "OFF"):
        monkeypatch.setenv("GPU_INFER_CACHE_DIR", off)
        cache = DiskCache.of_kind("k")
        assert not cache.enabled and cache.load(KEY) is None and not cache.store(KEY, b"x")


@pytest.mark.parametrize("damage", ["truncated payload", "truncated header", "random bytes", "empty",
                                    "flipped payload byte", "another device"])
def test_a_damaged_or_foreign_entry_is_a_miss_then_rewritten(store, damage):
    store.store(KEY, PAYLOAD)
    path = _entry(store)
    blob = path.read_bytes()
    if damage == "truncated payload":
        path.write_bytes(blob[:-100])
    elif damage == "truncated header":
        path.write_bytes(blob[:len(MAGIC) + 20])
    elif damage == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(len(blob)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "flipped payload byte":
        path.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    else:                                     # a valid entry written for another device, at this key's name
        foreign = DiskCache(store.folder)
        foreign.store(dict(KEY, device="gpu-b"), PAYLOAD)
        os.replace(foreign.path(dict(KEY, device="gpu-b")), path)
    assert store.load(KEY) is None
    assert store.stats.rejected == 1 and store.stats.problems
    assert store.store(KEY, PAYLOAD) and store.load(KEY) == PAYLOAD


def test_an_unreadable_entry_is_a_miss(store, monkeypatch):
    store.store(KEY, PAYLOAD)
    _deny(monkeypatch, "read", _entry(store))
    assert store.load(KEY) is None and store.stats.rejected == 1
    assert "cannot read" in store.stats.problems[0]


def test_a_read_only_folder_is_used_for_reading_only(store, monkeypatch):
    store.store(KEY, PAYLOAD)
    _deny(monkeypatch, "write", store.folder)
    try:
        assert not store.store(dict(KEY, options=[]), PAYLOAD)
        assert store.stats.write_errors == 1 and "cannot write" in store.stats.problems[-1]
        assert store.load(KEY) == PAYLOAD
    finally:
        store.folder.chmod(0o755)


def test_a_cache_folder_that_is_a_file(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    store = DiskCache(blocker / "kind")
    assert store.load(KEY) is None and not store.store(KEY, PAYLOAD)
    assert store.stats.write_errors == 1 and blocker.read_text() == "not a folder"


_WRITER = """
import sys
from gpu_infer.backends.disk_cache import DiskCache
store = DiskCache(__import__("pathlib").Path(sys.argv[1]))
key = {"k": 1}
for _ in range(150):
    store.store(key, sys.argv[2].encode() * 50000)
"""


def test_concurrent_writers_never_leave_half_a_file(tmp_path):
    """Two processes rewrite one entry while this one reads it: every read is whole."""
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), tag]) for tag in "ab"]
    store = DiskCache(tmp_path)
    seen = set()
    while any(w.poll() is None for w in writers):
        payload = store.load({"k": 1})
        if payload is not None:
            seen.add(payload[:1])
            assert payload in (b"a" * 50000, b"b" * 50000)
    assert all(w.wait() == 0 for w in writers)
    assert store.stats.rejected == 0 and seen
    assert [p.name for p in tmp_path.iterdir()] == [store.path({"k": 1}).name]


# -- the device runtimes, across processes ---------------------------------------------------

_SESSION = """
import json, sys
import numpy as np
from onnx import TensorProto, helper
import gpu_infer
backend = sys.argv[1]
nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Transpose", ["r"], ["t"], perm=[1, 0]),
         helper.make_node("Add", ["t", "t"], ["y"])]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 6])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, 4])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
sess = gpu_infer.InferenceSession(model.SerializeToString(), backend=backend, strict=True)
x = np.arange(-12, 12, dtype=np.float32).reshape(4, 6)
(y,) = sess.run(None, {"x": x})
assert np.array_equal(y, 2 * np.maximum(x, 0).T), y
rt = sess.backends[0].rt
stats = rt.cache_stats if backend == "opencl" else rt.pipeline_cache_store.stats
print(json.dumps(stats))
"""


def _run_session(backend: str, cache: Path, pocl_cache: str = "0") -> dict:
    # PoCL's own kernel cache off by default: with it on, the OpenCL runtime stores no binaries
    env = dict(os.environ, GPU_INFER_CACHE_DIR=str(cache), POCL_KERNEL_CACHE=pocl_cache)
    proc = subprocess.run([sys.executable, "-c", _SESSION, backend], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_opencl_second_process_builds_from_cached_binaries(tmp_path):
    need_backend("opencl")
    if "PoCL" in probe_all()["opencl"].device.properties["opencl_c_version"]:
        # PoCL's cache on: PoCL keeps the programs itself, asking for binaries would compile twice
        assert _run_session("opencl", tmp_path / "pocl-cache-on", pocl_cache="1")["writes"] == 0
    first = _run_session("opencl", tmp_path)
    assert first["hits"] == 0 and first["misses"] == 3 and first["writes"] == 3     # relu, add, raster
    second = _run_session("opencl", tmp_path)
    assert second["hits"] == first["misses"] and second["misses"] == 0 and second["writes"] == 0
    for entry in (tmp_path / "opencl-programs").iterdir():   # damaged entries: rebuilt, still right
        entry.write_bytes(entry.read_bytes()[:-10])
    third = _run_session("opencl", tmp_path)
    assert third["rejected"] == first["misses"] and third["writes"] == first["misses"] and third["hits"] == 0


def test_opencl_binary_the_driver_refuses_is_rebuilt(tmp_path, monkeypatch):
    """An entry whose key and checksum are right but whose binary the driver rejects."""
    need_backend("opencl")
    import pyopencl as cl

    from gpu_infer.backends.opencl.runtime import CLRuntime
    monkeypatch.setenv("GPU_INFER_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("POCL_KERNEL_CACHE", "0")      # else PoCL caches programs and no binary is stored
    props = probe_all()["opencl"].device.properties
    rt = CLRuntime(cl, cl.get_platforms()[props["platform_index"]].get_devices()[props["device_index"]])
    options = ["-DELEM_BYTES=4"]
    rt.program_cache.store(rt.program_key("gather", options), b"\x7fELF not really a binary")
    program = rt.program("gather", options)
    assert "gather" in program.get_info(cl.program_info.KERNEL_NAMES)
    stats = rt.cache_stats
    assert stats["hits"] == 1 and stats["rejected"] == 1 and stats["writes"] == 2     # the bad entry, the rebuilt one
    assert rt.program_cache.load(rt.program_key("gather", options)) != b"\x7fELF not really a binary"
    assert "refused the binary" in stats["problems"][0]


def test_vulkan_second_process_loads_the_pipeline_cache(tmp_path):
    need_backend("vulkan")
    first = _run_session("vulkan", tmp_path)
    assert first["hits"] == 0 and first["loaded_bytes"] == 0
    assert len(list((tmp_path / "vulkan-pipelines").iterdir())) == 1     # written at exit
    second = _run_session("vulkan", tmp_path)
    assert second["hits"] == 1 and second["loaded_bytes"] >= 32 and second["rejected"] == 0


# -- the Vulkan header check ------------------------------------------------------------

def _vk_header(vendor=0x10DE, device=0x2330, uuid=b"u" * 16, version=1, length=32) -> bytes:
    return struct.pack("<IIII16s", length, version, vendor, device, uuid)


@pytest.mark.parametrize("data,problem", [
    (_vk_header(), None),
    (_vk_header() + b"pipelines", None),
    (_vk_header()[:20], "shorter than"),
    (_vk_header(length=64), "header length"),
    (_vk_header(length=8), "header length"),
    (_vk_header(version=2), "header version"),
    (_vk_header(vendor=0x1002), "for device"),
    (_vk_header(device=0x1), "for device"),
    (_vk_header(uuid=b"v" * 16), "pipelineCacheUUID"),
])
def test_vulkan_pipeline_cache_header_check(data, problem):
    from gpu_infer.backends.vulkan.pipeline_cache import header_problem
    found = header_problem(data, 0x10DE, 0x2330, b"u" * 16)
    assert (found is None) if problem is None else (problem in found)


def test_vulkan_data_for_another_device_never_reaches_the_driver(tmp_path, monkeypatch):
    need_backend("vulkan")
    import vulkan as vk

    from gpu_infer.backends.vulkan.pipeline_cache import PipelineCache, header_problem
    from gpu_infer.backends.vulkan.runtime import get_runtime
    monkeypatch.setenv("GPU_INFER_CACHE_DIR", str(tmp_path))
    rt = get_runtime(probe_all()["vulkan"])
    props = vk.vkGetPhysicalDeviceProperties(rt.physical)
    features = {"fp16": rt.fp16_enabled}
    first = PipelineCache(vk, rt.device, props, features)
    foreign = _vk_header(vendor=int(props.vendorID) + 1, device=int(props.deviceID),
                         uuid=bytes(vk.ffi.buffer(props.pipelineCacheUUID)))
    first.disk.store(first.key, foreign + b"\0" * 64)
    second = PipelineCache(vk, rt.device, props, features)
    assert second.loaded_bytes == 0 and second.stats["rejected"] == 1 and "for device" in second.stats["problems"][0]
    assert header_problem(second.data(), first.vendor_id, first.device_id, first.uuid) is None   # a fresh cache


def test_program_key_covers_included_headers():
    """Headers are inlined into the program text, so the source hash of the key covers them."""
    from gpu_infer.backends.opencl.runtime import kernel_source
    header = Path(__file__).parent.parent / "cl_kernels" / "bit_copy.h"
    for family in ("raster", "gather"):
        text = kernel_source(family)
        assert "#include" not in text and header.read_text() in text
