"""Reads through uniform texel buffers: which bindings can be one, and the buffer views they need.

A shader variant built with TEXEL_READS (spirv_shaders/texel.glsl) reads its float inputs with
``texelFetch`` from a uniform texel buffer instead of indexing a storage buffer. lavapipe (Mesa
22) loads storage-buffer elements one SIMD lane at a time, each behind a branch, but fetches
texels as vector gathers: an elementwise Add read 3x and a 1024^3 SGEMM 9x faster that way.

A dispatch asks for it per binding with mode "t" (one element per texel) or "v" (four per texel);
VKDispatch falls back to the storage-buffer variant of the same shader, which declares the same
bindings, wherever one of those bindings cannot be a texel buffer here (GPU_INFER_VK_TEXEL=0,
a format the device cannot fetch, a misaligned offset, more texels than maxTexelBufferElements).
"""
from __future__ import annotations

import os
from typing import Any

from .memory import VKTensorRef

TEXEL_MODES = "tv"                    # dispatch modes read through a texel buffer
WIDTH = {"t": 1, "v": 4}
# (element code, texel width) -> (VkFormat name, bytes per texel). Element codes: "f32" / "f16"
# floats as stored (fetched as float), "b1" / "b2" / "b4" / "b8" raw bits of 1-8 byte elements
# (fetched as uint; 8 bytes as two: raster.comp's bit copies)
FORMATS = {("f32", 1): ("VK_FORMAT_R32_SFLOAT", 4), ("f32", 4): ("VK_FORMAT_R32G32B32A32_SFLOAT", 16),
           ("f16", 1): ("VK_FORMAT_R16_SFLOAT", 2), ("f16", 4): ("VK_FORMAT_R16G16B16A16_SFLOAT", 8),
           ("b1", 1): ("VK_FORMAT_R8_UINT", 1), ("b1", 4): ("VK_FORMAT_R8G8B8A8_UINT", 4),
           ("b2", 1): ("VK_FORMAT_R16_UINT", 2), ("b2", 4): ("VK_FORMAT_R16G16B16A16_UINT", 8),
           ("b4", 1): ("VK_FORMAT_R32_UINT", 4), ("b4", 4): ("VK_FORMAT_R32G32B32A32_UINT", 16),
           ("b8", 1): ("VK_FORMAT_R32G32_UINT", 8)}


def descriptor_type(vk: Any, kind: str) -> int:
    """The VkDescriptorType of a pipeline binding kind: "s" storage buffer, "t" uniform texel buffer."""
    return vk.VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER if kind == "t" else vk.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER


def enabled_by_env() -> bool:
    return os.environ.get("GPU_INFER_VK_TEXEL", "1") != "0"


class TexelSupport:
    """The device's texel-buffer limits and the formats it can fetch from a uniform texel buffer."""

    def __init__(self, vk: Any, physical: Any, limits: Any):
        self.max_texels = int(limits.maxTexelBufferElements)
        self.offset_alignment = max(int(limits.minTexelBufferOffsetAlignment), 1)
        bit = vk.VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT
        self.formats = {key: (getattr(vk, name), size) for key, (name, size) in FORMATS.items()
                        if vk.vkGetPhysicalDeviceFormatProperties(physical, getattr(vk, name)).bufferFeatures & bit}
        self.enabled = enabled_by_env()

    def max_bytes(self, texel_bytes: int) -> int:
        """The largest view of `texel_bytes`-byte texels (0 where texel reads are off)."""
        return self.max_texels * texel_bytes if self.enabled and self.formats else 0

    def view(self, ref: VKTensorRef, element: str, mode: str) -> tuple[int, int] | None:
        """(VkFormat, range in bytes) of the texel view of `ref` read in `mode`, or None where it
        cannot be one. A range that is not whole texels is rounded up into the buffer's slack
        where there is room (the shaders never fetch past the tensor), else down."""
        spec = self.formats.get((element, WIDTH[mode]))
        if not self.enabled or spec is None or ref.buf is None or ref.offset % self.offset_alignment:
            return None
        fmt, size = spec
        texels = -(-ref.nbytes // size)
        if ref.offset + texels * size > ref.buf.size:
            texels = ref.nbytes // size
        if texels == 0 or texels > self.max_texels:
            return None
        return fmt, texels * size

    def usable(self, refs: list[VKTensorRef], modes: str, element: str) -> bool:
        """Whether every texel-mode binding of a dispatch can be a texel view (refs known now)."""
        return all(self.view(r, element, m) is not None for r, m in zip(refs, modes) if m in TEXEL_MODES)
