"""Helpers every backend shares: allocation limits and the legacy broadcast rule of binary ops."""
from __future__ import annotations

from typing import Sequence

from ..errors import DeviceError


def check_alloc(what: str, nbytes: int, limit: int, device: str) -> None:
    """DeviceError when one buffer would exceed what the device can allocate."""
    if limit and nbytes > limit:
        raise DeviceError(f"{what} needs {nbytes / 2**20:.1f} MiB in one buffer, more than {device} "
                          f"allows ({limit / 2**20:.1f} MiB)")


def binary_input_shape(node, a_shape: Sequence[int], b_shape: Sequence[int]) -> tuple[int, ...]:
    """B's shape under NumPy broadcasting: opset<7's broadcast=1 with `axis` aligns B's dims
    at `axis` of A instead of at the end, which is the same as padding B with trailing 1s."""
    if node.opset >= 7 or not node.attr("broadcast", 0) or node.attr("axis") is None:
        return tuple(b_shape)
    axis = node.attr("axis") % max(len(a_shape), 1)
    return tuple(b_shape) + (1,) * (len(a_shape) - axis - len(b_shape))
