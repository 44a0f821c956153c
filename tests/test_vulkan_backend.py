"""The Vulkan backend used as a real engine uses the device: only the features it uses enabled,
device-local memory with direct host access where it is host-visible (staging otherwise),
barriers from data dependencies, one exactly sized descriptor pool per plan instance,
pipelines keyed by their specialization, driver errors and a lost device as DeviceError,
every object freed with its session, waits that do not hold the runtime's lock."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.errors import DeviceError
from helpers import need_backend

pytestmark = pytest.mark.vulkan

F = TensorProto.FLOAT


@pytest.fixture
def rt():
    need_backend("vulkan")
    from gpu_infer.backends.vulkan.runtime import get_runtime
    from gpu_infer.scheduler import probe_all
    return get_runtime(probe_all()["vulkan"])


@pytest.fixture
def vk(rt):
    return rt.vk


def make_model(nodes, inputs: dict, outputs: dict, initializers=()):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, F, s) for n, s in inputs.items()],
                              [helper.make_tensor_value_info(n, F, s) for n, s in outputs.items()],
                              list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def chain_model(n: int, shape=(2, 64)):
    """Add(x) and Relu alternating, n nodes, each reading the one before."""
    nodes, prev = [], "x"
    for i in range(n):
        out = f"t{i}" if i < n - 1 else "y"
        nodes.append(helper.make_node("Add", [prev, "x"], [out]) if i % 2 == 0 else
                     helper.make_node("Relu", [prev], [out]))
        prev = out
    return make_model(nodes, {"x": shape}, {"y": shape})


def chain_reference(x: np.ndarray, n: int) -> np.ndarray:
    y = x
    for i in range(n):
        y = y + x if i % 2 == 0 else np.maximum(y, 0)
    return y


def branches_model(shape=(4, 32)):
    """Two independent Relu chains from x, joined by one Add."""
    nodes = [helper.make_node("Relu", ["x"], ["a1"]), helper.make_node("Relu", ["x"], ["b1"]),
             helper.make_node("Relu", ["a1"], ["a2"]), helper.make_node("Relu", ["b1"], ["b2"]),
             helper.make_node("Add", ["a2", "b2"], ["y"])]
    return make_model(nodes, {"x": shape}, {"y": shape})


def workspace(sess):
    """The Vulkan workspace of the session's (only) plan instance."""
    from gpu_infer.backends.vulkan.backend import VKWorkspace
    plan = sess._cache.latest()
    (ws,) = [w for inst in plan._all for w in inst.workspaces.values() if isinstance(w, VKWorkspace)]
    return ws


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# -- 1. features and extensions -------------------------------------------------------------

def test_device_enables_only_the_features_the_shaders_use(rt, vk, monkeypatch):
    from gpu_infer.backends.vulkan.runtime import SHADER_FEATURES, open_device
    from gpu_infer.scheduler.vulkan_probe import CORE_FEATURES, FEATURES
    seen = {}

    class Captured(Exception):
        pass

    def capture(physical, info, allocator):
        features2 = vk.ffi.cast("VkPhysicalDeviceFeatures2*", info.pNext)
        core = features2.features
        seen["core_on"] = [name for name, _ in vk.ffi.typeof("VkPhysicalDeviceFeatures").fields
                           if getattr(core, name)]
        on, node = {}, features2.pNext
        structs = {getattr(vk, stype): struct for struct, stype, _ in FEATURES.values() if stype is not None}
        while node != vk.ffi.NULL:
            stype = vk.ffi.cast("VkBaseOutStructure*", node).sType
            struct = vk.ffi.cast(structs[stype] + "*", node)
            on.update({name: bool(getattr(struct, name)) for name, _ in vk.ffi.typeof(structs[stype]).fields
                       if name not in ("sType", "pNext")})
            node = struct.pNext
        seen["chain"] = on
        seen["extensions"] = {vk.ffi.string(info.ppEnabledExtensionNames[i]).decode()
                              for i in range(info.enabledExtensionCount)}
        raise Captured

    monkeypatch.setattr(vk, "vkCreateDevice", capture)
    with pytest.raises(Captured):
        open_device(vk, rt.physical, rt.family)
    assert set(seen["core_on"]) == set(rt.enabled_features) & set(CORE_FEATURES), "robustBufferAccess ... stay off"
    assert {name for name, v in seen["chain"].items() if v} | set(seen["core_on"]) == set(rt.enabled_features)
    assert rt.enabled_features <= set(SHADER_FEATURES)
    assert seen["extensions"] == set(rt.enabled_extensions)
    if "storageBuffer8BitAccess" in rt.enabled_features:          # core 1.1 has no 8-bit storage
        assert "VK_KHR_8bit_storage" in seen["extensions"] and 8 in rt.small_storage


def test_runtime_enables_what_the_probe_reports(rt):
    from gpu_infer.scheduler import probe_all
    props = probe_all()["vulkan"].device.properties
    assert ("storageBuffer16BitAccess" in rt.enabled_features) == props["storageBuffer16BitAccess"]
    assert ("storageBuffer8BitAccess" in rt.enabled_features) == props["storageBuffer8BitAccess"]
    assert rt.fp16_enabled == props["shaderFloat16"]
    assert rt.small_storage == ({8} if props["storageBuffer8BitAccess"] else set()) | \
        ({16} if props["storageBuffer16BitAccess"] else set())
    from gpu_infer.devices import format_devices, list_devices
    assert "storageBuffer8BitAccess=" in format_devices(list_devices())


def test_int8_and_int16_tensors_move_on_the_device(rt):
    if not {8, 16} <= rt.small_storage:
        pytest.skip("needs 8- and 16-bit storage")
    for dtype, elem in ((np.int8, TensorProto.INT8), (np.uint16, TensorProto.UINT16), (np.bool_, TensorProto.BOOL)):
        graph = helper.make_graph([helper.make_node("Transpose", ["x"], ["y"], perm=[1, 0])], "t",
                                  [helper.make_tensor_value_info("x", elem, [3, 5])],
                                  [helper.make_tensor_value_info("y", elem, [5, 3])])
        sess = gpu_infer.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                                          backend="vulkan", strict=True)
        x = (np.arange(15).reshape(3, 5) % 7).astype(dtype)
        np.testing.assert_array_equal(sess.run(None, {"x": x})[0], x.T)


# -- 2. memory --------------------------------------------------------------------------------

def test_memory_policy_by_properties():
    from gpu_infer.backends.vulkan.memory import (DEVICE_LOCAL, HOST_CACHED, HOST_COHERENT, HOST_VISIBLE,
                                                  MemoryPolicy, MemoryType)
    hv = HOST_VISIBLE | HOST_COHERENT
    unified = MemoryPolicy([MemoryType(DEVICE_LOCAL | hv | HOST_CACHED, 0)], [2 << 30])
    assert unified.unified and unified.for_kernels(~0) == (0, True) and unified.for_staging(~0, True) == 0
    discrete = MemoryPolicy([MemoryType(DEVICE_LOCAL, 0), MemoryType(hv, 1), MemoryType(hv | HOST_CACHED, 1)],
                            [8 << 30, 16 << 30])
    assert not discrete.unified and discrete.for_kernels(~0) == (0, False)
    assert discrete.for_staging(~0, readback=False) == 1 and discrete.for_staging(~0, readback=True) == 2
    small_bar = MemoryPolicy([MemoryType(DEVICE_LOCAL, 0), MemoryType(DEVICE_LOCAL | hv, 1), MemoryType(hv, 2)],
                             [8 << 30, 256 << 20, 16 << 30])
    assert not small_bar.unified and small_bar.for_kernels(~0) == (0, False), "a 256 MiB BAR is not the main heap"
    non_coherent = MemoryPolicy([MemoryType(DEVICE_LOCAL | HOST_VISIBLE, 0), MemoryType(hv, 1)], [1 << 30, 1 << 30])
    assert non_coherent.for_kernels(~0) == (0, False), "non-coherent memory is never mapped"
    assert discrete.for_kernels(0b110) == (1, True)             # memoryTypeBits exclude device-local


def test_direct_host_access_is_the_default_on_unified_memory(rt):
    if not rt.memory.unified:
        pytest.skip("the device has no host-visible device-local memory")
    sess = gpu_infer.InferenceSession(chain_model(4), backend="vulkan", strict=True)
    x = rand(2, 64)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], chain_reference(x, 4), rtol=1e-6)
    (seg,) = workspace(sess).segments
    assert seg.staging is None and seg.commands == 4, "the upload and the read-back are host accesses"


def test_upload_into_bytes_an_earlier_command_touches_is_staged(rt):
    """z's upload comes after two dispatches and reuses the bytes of x or a1 (dead by then):
    written before the submit it would clobber what those dispatches read."""
    if not rt.memory.unified:
        pytest.skip("every copy is staged on this device")
    model = make_model([helper.make_node("Relu", ["x"], ["a1"]), helper.make_node("Relu", ["a1"], ["a2"]),
                        helper.make_node("Add", ["a2", "z"], ["y"])], {"x": (64,), "z": (64,)}, {"y": (64,)})
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    for seed in range(3):
        x, z = rand(64, seed=seed), rand(64, seed=seed + 10)
        np.testing.assert_allclose(sess.run(None, {"x": x, "z": z})[0], np.maximum(x, 0) + z, rtol=1e-6)
    (seg,) = workspace(sess).segments
    placed = {c.dst.name: c.staging_offset for c in seg.items if hasattr(c, "upload") and c.upload}
    z_ref = next(c.dst.handle for c in seg.items if getattr(c, "upload", False) and c.dst.name == "z")
    reused = any(z_ref.span().overlaps(d.refs[k].span()) for d in seg.items[1:3] for k in range(len(d.refs)))
    assert placed["x"] is None
    assert (placed["z"] is not None) == reused


def discrete_gpu(monkeypatch, rt, vk) -> list[int]:
    """Make the runtime see a discrete GPU's memory table (device-local VRAM, host-visible
    system memory) while lavapipe, which has one memory type, still backs every allocation."""
    from gpu_infer.backends.vulkan.memory import DEVICE_LOCAL, HOST_CACHED, HOST_COHERENT, HOST_VISIBLE, \
        MemoryPolicy, MemoryType
    hv = HOST_VISIBLE | HOST_COHERENT
    monkeypatch.setattr(rt, "memory", MemoryPolicy(
        [MemoryType(DEVICE_LOCAL, 0), MemoryType(hv, 1), MemoryType(hv | HOST_CACHED, 1)], [8 << 30, 16 << 30]))
    chosen: list[int] = []
    requirements, allocate = vk.vkGetBufferMemoryRequirements, vk.vkAllocateMemory

    def all_types(device, buffer):
        req = requirements(device, buffer)
        req.memoryTypeBits = 0b111
        return req

    def real_type(device, info, allocator):
        chosen.append(info.memoryTypeIndex)
        info.memoryTypeIndex = 0
        return allocate(device, info, allocator)

    monkeypatch.setattr(vk, "vkGetBufferMemoryRequirements", all_types)
    monkeypatch.setattr(vk, "vkAllocateMemory", real_type)
    return chosen


def test_staging_path_of_a_discrete_gpu(rt, vk, monkeypatch):
    chosen = discrete_gpu(monkeypatch, rt, vk)
    once = []
    run_once = type(rt).run_once
    monkeypatch.setattr(type(rt), "run_once", lambda self, record: once.append(1) or run_once(self, record))
    w = numpy_helper.from_array(np.linspace(-1, 1, 48, dtype=np.float32).reshape(6, 8), "w")
    pads = numpy_helper.from_array(np.array([1, 1, 1, 1], np.int64), "pads")     # a border of several regions
    model = make_model([helper.make_node("Add", ["x", "w"], ["s"]), helper.make_node("Pad", ["s", "pads"], ["t"]),
                        helper.make_node("Relu", ["t"], ["y"])], {"x": (6, 8)}, {"y": (8, 10)}, [w, pads])
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    for seed in range(3):
        x = rand(6, 8, seed=seed)
        np.testing.assert_allclose(sess.run(None, {"x": x})[0],
                                   np.pad(np.maximum(x + numpy_helper.to_array(w), 0), 1), rtol=1e-6)
    ws = workspace(sess)
    (seg,) = ws.segments
    assert seg.staging is not None and all(c.staging_offset is not None for c in seg.items if hasattr(c, "upload"))
    assert ws._arena.array is None and ws._table_buffer.array is None, "device-local buffers are not mapped"
    assert len(once) == 2, "the constant and the region tables go up through a one-time command buffer each"
    assert 0 in chosen and 2 in chosen, "kernels in device-local memory, read-back staging in cached memory"
    sess.close()


# -- 3. barriers ---------------------------------------------------------------------------------

def test_barriers_follow_a_chain(rt):
    n = 12
    sess = gpu_infer.InferenceSession(chain_model(n), backend="vulkan", strict=True)
    x = rand(2, 64)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], chain_reference(x, n), rtol=1e-5)
    (seg,) = workspace(sess).segments
    dispatches = seg.commands - sum(1 for c in seg.items if getattr(c, "staging_offset", None) is not None)
    assert dispatches == n
    assert seg.barriers == seg.commands - 1, "each node reads the one before: a barrier between every two"


def test_independent_branches_share_barriers(rt):
    sess = gpu_infer.InferenceSession(branches_model(), backend="vulkan", strict=True)
    for seed in range(3):
        x = rand(4, 32, seed=seed)
        np.testing.assert_allclose(sess.run(None, {"x": x})[0], 2 * np.maximum(x, 0), rtol=1e-6)
    (seg,) = workspace(sess).segments
    assert seg.barriers < seg.commands - 1, (seg.barriers, seg.commands)


def test_barrier_tracker_hazards():
    from gpu_infer.backends.vulkan.hazards import BarrierTracker, Span
    a, a_tail, b = Span(1, 0, 64), Span(1, 32, 96), Span(1, 64, 128)
    other = Span(2, 0, 64)
    t = BarrierTracker()
    assert not t.access([a], [b])              # first command
    assert not t.access([a], [other])          # reads what another read, writes elsewhere
    assert t.access([b], [])                   # RAW on b
    assert not t.access([a], [])
    assert t.access([], [a_tail])              # WAR: a was read since the last barrier
    assert t.access([], [a])                   # WAW
    assert not t.access([Span(1, 96, 128)], [Span(3, 0, 8)])


def test_concat_on_the_outer_axis_needs_no_barrier_between_its_copies(rt):
    model = make_model([helper.make_node("Concat", ["x", "z"], ["y"], axis=0)], {"x": (2, 8), "z": (3, 8)},
                       {"y": (5, 8)})
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    x, z = rand(2, 8), rand(3, 8, seed=1)
    np.testing.assert_array_equal(sess.run(None, {"x": x, "z": z})[0], np.concatenate([x, z]))
    (seg,) = workspace(sess).segments
    dispatches = [c for c in seg.items if hasattr(c, "dset")]
    assert len(dispatches) == 2 and seg.barriers == 0


# -- 4. descriptor pool --------------------------------------------------------------------------

def test_one_exact_descriptor_pool_per_plan_instance(rt, vk, monkeypatch):
    pools = []
    create = vk.vkCreateDescriptorPool

    def spy(device, info, allocator):
        pools.append((info.maxSets, sum(info.pPoolSizes[k].descriptorCount for k in range(info.poolSizeCount))))
        return create(device, info, allocator)

    monkeypatch.setattr(vk, "vkCreateDescriptorPool", spy)
    w = numpy_helper.from_array(np.ones((3, 4), np.float32), "w")
    model = make_model([helper.make_node("Add", ["x", "w"], ["s"]), helper.make_node("Relu", ["s"], ["r"]),
                        helper.make_node("Concat", ["r", "x"], ["y"], axis=1)], {"x": (3, 4)}, {"y": (3, 8)}, [w])
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    x = rand(3, 4)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], np.concatenate([np.maximum(x + 1, 0), x], 1))
    ws = workspace(sess)
    dispatches = [c for seg in ws.segments for c in seg.items if hasattr(c, "dset")]
    assert pools == [(len(dispatches), sum(len(d.refs) for d in dispatches))]    # Add 3, Relu 2, Concat 2 x 3
    assert len(dispatches) == 4


def test_fp32_pinned_node_converts_on_the_device(rt):
    if not rt.small_storage >= {16}:
        pytest.skip("needs 16-bit storage")
    model = make_model([helper.make_node("Relu", ["x"], ["a"], name="r1"),
                        helper.make_node("Add", ["a", "x"], ["b"], name="pinned"),
                        helper.make_node("Relu", ["b"], ["y"], name="r2")], {"x": (4, 16)}, {"y": (4, 16)})
    sess = gpu_infer.InferenceSession(model, backend="vulkan", precision="fp16", strict=True, fp32_nodes=["pinned"])
    x = rand(4, 16)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], np.maximum(np.maximum(x, 0) + x, 0), rtol=2e-3,
                               atol=2e-3)
    ws = workspace(sess)
    assert ws._conversions, "fp16 <-> fp32 conversions run as region copies on the device"
    assert len(ws.descriptors.requests) == sum(1 for s in ws.segments for c in s.items if hasattr(c, "dset"))
    sess._cache.latest().profile({"x": x})        # steps one by one reuse the recorded conversions


# -- 5. pipeline keys ------------------------------------------------------------------------------

def test_local_size_is_a_specialization_constant_in_the_key(rt, monkeypatch):
    a = rt.pipeline("unary", "i32", "ss", 16, 32)
    b = rt.pipeline("unary", "i32", "ss", 16, 64)
    assert a is not b and a is rt.pipeline("unary", "i32", "ss", 16, 32)
    monkeypatch.setattr(rt, "local_size", 16)
    sess = gpu_infer.InferenceSession(chain_model(3, (1000,)), backend="vulkan", strict=True)
    x = rand(1000)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], chain_reference(x, 3), rtol=1e-6)
    (seg,) = workspace(sess).segments
    # (float unary ops run four elements per invocation where the count is a multiple of 4)
    assert {c.groups[0] for c in seg.items if hasattr(c, "groups")} == {-(-1000 // (4 * 16))}


# -- 6. driver errors -------------------------------------------------------------------------------

def add_relu(shape=(64, 64)):
    return make_model([helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Relu", ["s"], ["y"])],
                      {"a": shape, "b": shape}, {"y": shape})


def test_device_lost_poisons_every_session(rt, vk, monkeypatch):
    feeds = {"a": rand(8, 8), "b": rand(8, 8, seed=1)}
    other = gpu_infer.InferenceSession(add_relu((8, 8)), backend="vulkan")
    other.run(None, feeds)
    sess = gpu_infer.InferenceSession(add_relu((8, 8)), backend="vulkan")

    def lost(*args):
        raise vk.VkErrorDeviceLost()

    try:
        monkeypatch.setattr(vk, "vkQueueSubmit", lost)
        with pytest.raises(DeviceError, match="lost.*vkQueueSubmit.*new process"):
            sess.run(None, feeds)
        monkeypatch.undo()
        for s in (sess, other):
            with pytest.raises(DeviceError, match="device was lost"):
                s.run(None, feeds)
        with pytest.raises(DeviceError, match="device was lost"):
            gpu_infer.InferenceSession(add_relu((8, 8)), backend="vulkan")
    finally:
        rt.lost = None                        # (the device is fine: only the call was faked)
    np.testing.assert_allclose(other.run(None, feeds)[0], np.maximum(feeds["a"] + feeds["b"], 0))


def test_fence_timeout_is_a_device_error(rt, vk, monkeypatch):
    sess = gpu_infer.InferenceSession(add_relu((8, 8)), backend="vulkan")
    wait = vk.vkWaitForFences

    def timeout(device, count, fences, wait_all, ns):
        wait(device, count, fences, wait_all, ns)        # (leave nothing pending)
        raise vk.VkTimeout()

    monkeypatch.setattr(vk, "vkWaitForFences", timeout)
    try:
        with pytest.raises(DeviceError, match="vkWaitForFences timed out"):
            sess.run(None, {"a": rand(8, 8), "b": rand(8, 8)})
    finally:
        rt.lost = None


def test_out_of_device_memory_names_the_call(rt, vk, monkeypatch):
    def oom(*args):
        raise vk.VkErrorOutOfDeviceMemory()

    monkeypatch.setattr(vk, "vkAllocateMemory", oom)
    with pytest.raises(DeviceError, match=r"vkAllocateMemory for the arena.*VkErrorOutOfDeviceMemory \(out of device"):
        gpu_infer.InferenceSession(add_relu(), backend="vulkan", strict=True)


def test_descriptor_allocation_failure_names_the_call(rt, vk, monkeypatch):
    def exhausted(*args):
        raise vk.VkErrorOutOfPoolMemory()

    monkeypatch.setattr(vk, "vkAllocateDescriptorSets", exhausted)
    # dynamic shapes: the plan (descriptor sets included) is made by the first run, not at load
    sess = gpu_infer.InferenceSession(add_relu(("n", 4)), backend="vulkan", strict=True)
    feeds = {"a": rand(4, 4), "b": rand(4, 4, seed=1)}
    for _ in range(2):                          # nothing half-made is kept: the next run tries again
        with pytest.raises(DeviceError, match="vkAllocateDescriptorSets.*VkErrorOutOfPoolMemory"):
            sess.run(None, feeds)
    monkeypatch.undo()
    np.testing.assert_allclose(sess.run(None, feeds)[0], np.maximum(feeds["a"] + feeds["b"], 0))


def test_failed_recording_is_retried(rt, vk, monkeypatch):
    discrete_gpu(monkeypatch, rt, vk)                       # every copy needs the staging buffer
    sess = gpu_infer.InferenceSession(add_relu(("n", 4)), backend="vulkan", strict=True)   # planned at run
    create = rt.create_buffer

    def no_staging(nbytes, what, host=None):
        if host is not None:
            raise DeviceError("no staging today")
        return create(nbytes, what, host)

    monkeypatch.setattr(rt, "create_buffer", no_staging)
    feeds = {"a": rand(4, 4), "b": rand(4, 4, seed=1)}
    with pytest.raises(DeviceError, match="no staging today"):
        sess.run(None, feeds)
    monkeypatch.setattr(rt, "create_buffer", create)
    np.testing.assert_allclose(sess.run(None, feeds)[0], np.maximum(feeds["a"] + feeds["b"], 0))
    sess.close()


def test_arena_beyond_the_allocation_limit_is_refused_before_the_driver(rt, vk, monkeypatch):
    created = []
    create = vk.vkCreateBuffer
    monkeypatch.setattr(vk, "vkCreateBuffer", lambda *a: created.append(1) or create(*a))
    monkeypatch.setattr(rt, "max_allocation", 4096)
    with pytest.raises(DeviceError, match=r"the arena of a plan .* needs .* MiB in one buffer"):
        gpu_infer.InferenceSession(add_relu(), backend="vulkan", strict=True)
    assert created == []


def test_constant_beyond_a_descriptor_range_is_refused(rt, monkeypatch):
    from gpu_infer.backends.vulkan.backend import VulkanBackend
    monkeypatch.setattr(VulkanBackend, "max_buffer_bytes", property(lambda self: 1024))
    w = numpy_helper.from_array(np.ones((64, 64), np.float32), "w")
    with pytest.raises(DeviceError, match="constant 'w' needs"):
        gpu_infer.InferenceSession(make_model([helper.make_node("Add", ["x", "w"], ["y"])], {"x": (64, 64)},
                                              {"y": (64, 64)}, [w]), backend="vulkan", strict=True)


# -- 7. validation layer ----------------------------------------------------------------------------

def test_validation_layer_missing_is_a_clear_error(vk, monkeypatch):
    from gpu_infer.backends.vulkan.validation import Validation
    monkeypatch.setattr(vk, "vkEnumerateInstanceLayerProperties", lambda: [])
    with pytest.raises(DeviceError, match="VK_LAYER_KHRONOS_validation.*vulkan-validationlayers"):
        Validation(vk)


def test_validation_messages_are_recorded(rt):
    if "VK_LAYER_KHRONOS_validation" not in {p.layerName for p in rt.vk.vkEnumerateInstanceLayerProperties()}:
        pytest.skip("vulkan-validationlayers not installed")
    code = textwrap.dedent("""
        import vulkan as vk
        from gpu_infer.scheduler import probe_all
        from gpu_infer.backends.vulkan.runtime import get_runtime, validation_messages
        rt = get_runtime(probe_all()["vulkan"])
        assert validation_messages() == []
        try:   # size 0 is invalid usage
            vk.vkCreateBuffer(rt.device, vk.VkBufferCreateInfo(sType=vk.VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                size=0, usage=vk.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT), None)
        except vk.VkError:
            pass
        messages = validation_messages()
        print(len(messages), "VUID-VkBufferCreateInfo-size" in " ".join(messages), validation_messages())
    """)
    env = dict(os.environ, GPU_INFER_VK_VALIDATION="1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "True", "[]"], proc.stdout


# -- 8. resources ---------------------------------------------------------------------------------

PAIRS = [("vkCreateBuffer", "vkDestroyBuffer"), ("vkAllocateMemory", "vkFreeMemory"),
         ("vkCreateDescriptorPool", "vkDestroyDescriptorPool"), ("vkCreateCommandPool", "vkDestroyCommandPool"),
         ("vkCreateFence", "vkDestroyFence")]


def test_closing_a_session_frees_every_vulkan_object(rt, vk, monkeypatch):
    counts = {name: 0 for pair in PAIRS for name in pair}
    for name in counts:
        original = getattr(vk, name)
        monkeypatch.setattr(vk, name, lambda *a, _f=original, _n=name: counts.__setitem__(_n, counts[_n] + 1) or _f(*a))
    w = numpy_helper.from_array(np.ones((3, 4), np.float32), "w")
    model = make_model([helper.make_node("Add", ["x", "w"], ["s"]), helper.make_node("Transpose", ["s"], ["y"])],
                       {"x": (3, 4)}, {"y": (4, 3)}, [w])
    sess = gpu_infer.InferenceSession(model, backend="vulkan", strict=True)
    x = rand(3, 4)
    for _ in range(2):
        sess.run(None, {"x": x})
    sess._cache.latest().profile({"x": x})
    assert counts["vkCreateBuffer"] > counts["vkDestroyBuffer"]
    sess.close()
    for create, destroy in PAIRS:
        assert counts[create] == counts[destroy], (create, counts)


# -- 9. the lock ----------------------------------------------------------------------------------

def test_fence_wait_does_not_hold_the_runtime_lock(rt, vk, monkeypatch):
    free_during_wait = []
    wait = vk.vkWaitForFences

    def probe(*args):
        def other_thread():
            got = rt.lock.acquire(timeout=10)
            free_during_wait.append(got)
            if got:
                rt.lock.release()
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        return wait(*args)

    monkeypatch.setattr(vk, "vkWaitForFences", probe)
    sess = gpu_infer.InferenceSession(add_relu((4, 4)), backend="vulkan", strict=True)
    sess.run(None, {"a": rand(4, 4), "b": rand(4, 4)})
    assert free_during_wait and all(free_during_wait)
