"""Memory types chosen by their properties, and the buffers made in them.

Buffers the kernels use (arena, constants, region tables) go to DEVICE_LOCAL memory. Where a
DEVICE_LOCAL | HOST_VISIBLE | HOST_COHERENT type covers the device's main heap (lavapipe,
integrated and mobile GPUs, discrete ones with resizable BAR) those buffers stay mapped and the
host reads and writes them directly; otherwise (a discrete GPU, or a small BAR window) they are
not mapped and data goes through HOST_VISIBLE | HOST_COHERENT staging buffers. Memory that is
host-visible but not coherent is never mapped, so no flush or invalidate is ever needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DeviceError
from .hazards import Span

DEVICE_LOCAL, HOST_VISIBLE, HOST_COHERENT, HOST_CACHED = 0x1, 0x2, 0x4, 0x8
MAPPABLE = HOST_VISIBLE | HOST_COHERENT


@dataclass(frozen=True)
class MemoryType:
    flags: int           # VkMemoryPropertyFlags
    heap: int            # index into the heap sizes


@dataclass
class VKBuffer:
    """A buffer and its memory; `array` is its bytes as a NumPy uint8 view when mapped, else None."""
    buffer: Any
    memory: Any
    size: int
    array: np.ndarray | None


class MemoryPolicy:
    """Which memory type each kind of buffer takes, from the device's memory properties."""

    def __init__(self, types: list[MemoryType], heaps: list[int]):
        self.types, self.heaps = types, heaps
        device_heaps = [types[i].heap for i in range(len(types)) if types[i].flags & DEVICE_LOCAL]
        main_heap = max(device_heaps, key=lambda h: heaps[h], default=None)
        # direct access only where host-visible memory *is* the device's main memory
        self.unified = any(t.flags & (DEVICE_LOCAL | MAPPABLE) == DEVICE_LOCAL | MAPPABLE and t.heap == main_heap
                           for t in types)

    @classmethod
    def query(cls, vk: Any, physical: Any) -> "MemoryPolicy":
        mem = vk.vkGetPhysicalDeviceMemoryProperties(physical)
        return cls([MemoryType(int(mem.memoryTypes[i].propertyFlags), int(mem.memoryTypes[i].heapIndex))
                    for i in range(mem.memoryTypeCount)],
                   [int(mem.memoryHeaps[i].size) for i in range(mem.memoryHeapCount)])

    def _first(self, allowed: int, *preferences: int) -> int | None:
        for want in preferences:
            for i, t in enumerate(self.types):
                if allowed >> i & 1 and t.flags & want == want:
                    return i
        return None

    def for_kernels(self, allowed: int) -> tuple[int, bool]:
        """(memory type, mapped) of a buffer the kernels use; `allowed` is its memoryTypeBits."""
        if self.unified:
            index = self._first(allowed, DEVICE_LOCAL | MAPPABLE)
            if index is not None:
                return index, True
        index = self._first(allowed, DEVICE_LOCAL)
        if index is not None:
            return index, False
        return self._staging(allowed), True

    def for_staging(self, allowed: int, readback: bool) -> int:
        """A host-visible, coherent type; cached memory first for what the host reads back."""
        return self._staging(allowed, HOST_CACHED if readback else 0)

    def _staging(self, allowed: int, extra: int = 0) -> int:
        index = self._first(allowed, MAPPABLE | extra, MAPPABLE)
        if index is None:
            raise DeviceError("the device offers no HOST_VISIBLE | HOST_COHERENT memory for this buffer")
        return index

    def heap_bytes(self, index: int) -> int:
        return self.heaps[self.types[index].heap]


class VKTensorRef:
    """Bytes [offset, offset + nbytes) of a buffer: where a tensor (or a region table) lives.
    Offsets are descriptor-aligned; `buf` may be set late (region tables are packed into one
    buffer once the workspace knows them all)."""
    __slots__ = ("buf", "offset", "nbytes")

    def __init__(self, buf: VKBuffer | None, offset: int, nbytes: int):
        self.buf, self.offset, self.nbytes = buf, offset, nbytes

    @property
    def bound_bytes(self) -> int:
        """The descriptor range (never 0, which Vulkan forbids; buffers have slack for it)."""
        return max(self.nbytes, 4)

    @property
    def mapped(self) -> bool:
        return self.buf.array is not None

    def host_view(self) -> np.ndarray:
        """The bytes, as the host sees them through the mapping."""
        return self.buf.array[self.offset: self.offset + self.nbytes]

    def span(self) -> Span:
        return Span(id(self.buf), self.offset, self.offset + self.nbytes)
