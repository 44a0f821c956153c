"""Host-side conversions between a tensor's logical form and its storage on a backend
(element type and layout), used when constants are prepared and when data crosses to or
from the host inside ``on_copy_buffer``. The packing is the same region plan the devices
run (``geometry.to_packed`` / ``from_packed``), applied with NumPy."""
from __future__ import annotations

import numpy as np

from ..geometry import apply_regions, from_packed, to_packed
from .base import Layout, TensorFormat, packed_shape


def to_storage(x: np.ndarray, fmt: TensorFormat) -> np.ndarray:
    """A logical host array as the backend stores it: element type converted, layout packed."""
    with np.errstate(over="ignore"):      # beyond float16's range is an infinity, as on the device
        x = np.asarray(x, dtype=fmt.dtype, order="C")    # (ascontiguousarray would make 0-d 1-d)
    if fmt.layout is Layout.NC4HW4:
        packed = np.empty(packed_shape(x.shape, fmt.layout), x.dtype)
        apply_regions(to_packed(x.shape), [x], [packed])
        return packed
    return x


def from_storage(data: np.ndarray, fmt: TensorFormat, shape: tuple[int, ...]) -> np.ndarray:
    """Storage elements (flat or shaped) back in the logical shape (element type unchanged)."""
    data = data.reshape(packed_shape(shape, fmt.layout))
    if fmt.layout is Layout.NC4HW4:
        plain = np.empty(shape, data.dtype)
        apply_regions(from_packed(shape), [data], [plain])
        return plain
    return data
