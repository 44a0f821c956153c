"""Barriers from data dependencies: a recorded command waits for earlier ones only when it
touches bytes they touched in a conflicting way since the last barrier.

RAW and WAW: the command reads or writes a range an earlier command wrote. WAR: it writes a
range an earlier command read (the memory planner reuses arena bytes, so these are real).
Commands with disjoint ranges, or that only read the same bytes, share a barrier-free stretch
and may run concurrently on the device.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Span:
    """Bytes [start, end) of one buffer (keyed by the identity of its VkBuffer handle)."""
    buffer: int
    start: int
    end: int

    def overlaps(self, other: "Span") -> bool:
        return self.buffer == other.buffer and self.start < other.end and other.start < self.end


def _any_overlap(spans: Sequence[Span], others: Sequence[Span]) -> bool:
    return any(s.overlaps(o) for s in spans for o in others)


class BarrierTracker:
    """The reads and writes recorded since the last barrier of one command buffer."""

    def __init__(self) -> None:
        self.reads: list[Span] = []
        self.writes: list[Span] = []

    def access(self, reads: Sequence[Span], writes: Sequence[Span]) -> bool:
        """Note a command's accesses; True when a barrier must come before it."""
        barrier = _any_overlap(list(reads) + list(writes), self.writes) or _any_overlap(writes, self.reads)
        if barrier:
            self.reads, self.writes = [], []
        self.reads.extend(reads)
        self.writes.extend(writes)
        return barrier
