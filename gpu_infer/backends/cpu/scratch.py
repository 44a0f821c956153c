"""Temporaries that CPU kernels borrow for the length of their own step.

Steps run one at a time, so every execution of a plan can take its temporaries
(phase planes, tap columns, partial sums) from the same bytes. The arena starts
empty, falls back to fresh arrays while it learns the largest step's need, and
from the second run on serves everything from one buffer: no allocation and no
page faults per run, MNN's dynamic pool for execution scratch.
"""
from __future__ import annotations

import math

import numpy as np

ALIGN = 64


class ScratchArena:
    def __init__(self) -> None:
        self._buffer = np.empty(0, np.uint8)
        self._used = 0
        self.high_water = 0           # the most one step has taken, in bytes

    def begin_step(self) -> None:
        """Everything taken before is free again; grow to the high-water mark first."""
        if self.high_water > self._buffer.nbytes:
            self._buffer = np.empty(self.high_water, np.uint8)
        self._used = 0

    def take(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An uninitialized array that stays valid until the next begin_step."""
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        start, self._used = self._used, self._used + -(-nbytes // ALIGN) * ALIGN
        self.high_water = max(self.high_water, self._used)
        if self._used > self._buffer.nbytes:
            return np.empty(shape, dtype)
        return self._buffer[start:start + nbytes].view(dtype).reshape(shape)

    def release(self) -> None:
        self._buffer = np.empty(0, np.uint8)
        self._used = self.high_water = 0
