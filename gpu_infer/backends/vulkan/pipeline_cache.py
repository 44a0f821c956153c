"""The Vulkan runtime's VkPipelineCache, seeded from disk and written back at exit.

One cache per runtime (device), passed to every ``vkCreateComputePipelines``. The disk entry
(``disk_cache.DiskCache``, kind ``vulkan-pipelines``) is keyed by the device, vendor and
driver, the pipeline-cache UUID and the features the runtime enables. Before its data reaches
the driver, its ``VkPipelineCacheHeaderVersionOne`` is checked against the device's
properties (header length, version, vendorID, deviceID, pipelineCacheUUID): data for another
device or driver is ignored, never passed on. The data is written back at interpreter exit
when the driver's cache has changed since it was loaded (``save()`` does it on demand).

Some drivers keep nothing in a VkPipelineCache (Mesa's lavapipe 22.x returns the 32-byte
header only); the cache then costs nothing and gains nothing.
"""
from __future__ import annotations

import atexit
import struct
from typing import Any

from ..disk_cache import DiskCache

CACHE_KIND = "vulkan-pipelines"
HEADER = struct.Struct("<IIII16s")          # VkPipelineCacheHeaderVersionOne, least significant byte first
HEADER_VERSION_ONE = 1


def header_problem(data: bytes, vendor_id: int, device_id: int, uuid: bytes) -> str | None:
    """Why `data` is not a pipeline cache of this device (None: it is)."""
    if len(data) < HEADER.size:
        return f"{len(data)} bytes, shorter than a pipeline-cache header"
    length, version, vendor, device, cache_uuid = HEADER.unpack_from(data)
    if length < HEADER.size or length > len(data):
        return f"header length {length} does not fit {len(data)} bytes"
    if version != HEADER_VERSION_ONE:
        return f"header version {version}, not {HEADER_VERSION_ONE}"
    if (vendor, device) != (vendor_id, device_id):
        return f"for device {vendor:#x}:{device:#x}, not {vendor_id:#x}:{device_id:#x}"
    if cache_uuid != uuid:
        return "for another driver build (pipelineCacheUUID differs)"
    return None


class PipelineCache:
    """A VkPipelineCache created from the disk entry's data (when valid) and saved back."""

    def __init__(self, vk: Any, device: Any, props: Any, features: dict[str, bool]):
        self.vk, self.device = vk, device
        self.vendor_id, self.device_id = int(props.vendorID), int(props.deviceID)
        self.uuid = bytes(vk.ffi.buffer(props.pipelineCacheUUID))
        self.key = {"device": str(props.deviceName), "vendor_id": self.vendor_id, "device_id": self.device_id,
                    "driver_version": int(props.driverVersion), "api_version": int(props.apiVersion),
                    "pipeline_cache_uuid": self.uuid.hex(), "features": dict(sorted(features.items()))}
        self.disk = DiskCache.of_kind(CACHE_KIND)
        data = self.disk.load(self.key) or b""
        problem = header_problem(data, self.vendor_id, self.device_id, self.uuid) if data else None
        if problem is not None:
            self.disk.reject(f"pipeline cache data {problem}")
            data = b""
        self.loaded_bytes = len(data)
        self._saved = data
        initial = vk.ffi.new("char[]", data) if data else vk.ffi.NULL
        self.handle = vk.vkCreatePipelineCache(device, vk.VkPipelineCacheCreateInfo(
            sType=vk.VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO, initialDataSize=len(data),
            pInitialData=initial), None)
        if self.disk.enabled:
            atexit.register(self.save)

    def data(self) -> bytes:
        """The driver's current cache data (vkGetPipelineCacheData: size, then bytes)."""
        vk, lib = self.vk, self.vk.lib
        size = vk.ffi.new("size_t*")
        if lib.vkGetPipelineCacheData(self.device, self.handle, size, vk.ffi.NULL) != vk.VK_SUCCESS:
            return b""
        buf = vk.ffi.new("char[]", size[0])
        if lib.vkGetPipelineCacheData(self.device, self.handle, size, buf) != vk.VK_SUCCESS:
            return b""
        return bytes(vk.ffi.buffer(buf, size[0]))

    def save(self) -> bool:
        """Write the driver's data to disk if it changed since it was loaded or last saved."""
        data = self.data()
        if not data or data == self._saved:
            return False
        if header_problem(data, self.vendor_id, self.device_id, self.uuid) is not None:
            return False                      # never store what we would refuse to load
        stored = self.disk.store(self.key, data)
        if stored:
            self._saved = data
        return stored

    @property
    def stats(self) -> dict[str, Any]:
        return {"folder": str(self.disk.folder) if self.disk.enabled else None, "loaded_bytes": self.loaded_bytes,
                **self.disk.stats.as_dict()}
