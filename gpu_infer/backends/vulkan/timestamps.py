"""Device timestamps for profiled segments: one query pool per segment, a timestamp before the
first command and after each one, read back after the fence and converted to seconds with
the device's ``timestampPeriod``.

Only the profiled variant of a segment (``Segment(timed=True)``, recorded apart from the one a
normal run submits) writes timestamps, so normal runs pay nothing for them.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class TimestampQueries:
    """A query pool of `count` timestamps: query 0 before the first command, query k after the
    k-th command written."""

    def __init__(self, rt: Any, count: int):
        vk = self.vk = rt.vk
        self.rt, self.count, self.written = rt, count, 0
        with rt.driver_call("vkCreateQueryPool", "the timestamps of a profiled segment"):
            self.pool = vk.vkCreateQueryPool(rt.device, vk.VkQueryPoolCreateInfo(
                sType=vk.VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO, queryType=vk.VK_QUERY_TYPE_TIMESTAMP,
                queryCount=count), None)

    def start(self, cmd: Any) -> None:
        """Reset the pool and write query 0 (first in the command buffer)."""
        vk = self.vk
        vk.vkCmdResetQueryPool(cmd, self.pool, 0, self.count)
        vk.vkCmdWriteTimestamp(cmd, vk.VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, self.pool, 0)
        self.written = 1

    def after_command(self, cmd: Any) -> int:
        """Write the next query once every earlier command has completed; its index."""
        vk = self.vk
        vk.vkCmdWriteTimestamp(cmd, vk.VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, self.pool, self.written)
        self.written += 1
        return self.written - 1

    def seconds_since_previous(self) -> np.ndarray:
        """After the fence: for each query k >= 1, the device seconds since query k - 1 (element 0
        is 0). Ticks wrap at the queue's timestampValidBits."""
        vk, rt, n = self.vk, self.rt, self.written
        data = vk.ffi.new("uint64_t[]", n)
        with rt.driver_call("vkGetQueryPoolResults", "the timestamps of a profiled segment"):
            vk.vkGetQueryPoolResults(rt.device, self.pool, 0, n, n * 8, data, 8,
                                     vk.VK_QUERY_RESULT_64_BIT | vk.VK_QUERY_RESULT_WAIT_BIT)
        ticks = np.frombuffer(vk.ffi.buffer(data), np.uint64).copy()
        mask = np.uint64((1 << rt.timestamp_bits) - 1 if rt.timestamp_bits < 64 else 2**64 - 1)
        deltas = np.zeros(n, np.float64)
        deltas[1:] = ((ticks[1:] - ticks[:-1]) & mask).astype(np.float64) * rt.timestamp_period_ns * 1e-9
        return deltas

    def destroy(self) -> None:
        if self.pool is not None:
            self.vk.vkDestroyQueryPool(self.rt.device, self.pool, None)
            self.pool = None
