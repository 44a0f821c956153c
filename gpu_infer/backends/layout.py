"""Host-side conversions between a tensor's logical form and its storage on a backend
(element type and layout), used when constants are prepared and when data crosses to or
from the host inside ``on_copy_buffer``. Device-side conversions are region copies."""
from __future__ import annotations

import numpy as np

from .base import Layout, TensorFormat, packed_shape


def pack_nc4hw4(x: np.ndarray) -> np.ndarray:
    """(N, C, *spatial) -> (N, ceil(C/4), *spatial, 4), padding channels with zeros."""
    n, c, *spatial = x.shape
    c4 = -(-c // 4)
    padded = np.zeros((n, c4 * 4, *spatial), x.dtype)
    padded[:, :c] = x
    return np.ascontiguousarray(np.moveaxis(padded.reshape(n, c4, 4, *spatial), 2, -1))


def unpack_nc4hw4(p: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, c, *spatial = shape
    c4 = p.shape[1]
    return np.moveaxis(p, -1, 2).reshape(n, c4 * 4, *spatial)[:, :c]


def to_storage(x: np.ndarray, fmt: TensorFormat) -> np.ndarray:
    """A logical host array as the backend stores it: element type converted, layout packed."""
    x = np.asarray(x)
    if fmt.layout is Layout.NC4HW4:
        x = pack_nc4hw4(x)
    return np.asarray(x, dtype=fmt.dtype, order="C")      # (ascontiguousarray would make 0-d 1-d)


def from_storage(data: np.ndarray, fmt: TensorFormat, shape: tuple[int, ...]) -> np.ndarray:
    """Storage elements (flat or shaped) back in the logical shape (element type unchanged)."""
    data = data.reshape(packed_shape(shape, fmt.layout))
    return unpack_nc4hw4(data, shape) if fmt.layout is Layout.NC4HW4 else data
