"""What the OpenCL and Vulkan backends share: storage types per precision, the
broadcast index table their elementwise kernels read, and which tensors they accept
(what every backend shares is in common.py)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import Tensor

MAX_RANK = 6                     # kernels index up to 6-D tensors


def storage_dtype(precision: str) -> np.dtype:
    """float16 storage for the fp16 levels, float32 otherwise."""
    return np.dtype(np.float16 if precision.startswith("fp16") else np.float32)


def float_tensors(tensors: Sequence[Tensor | None]) -> bool:
    """The skeleton kernels take float32 tensors of rank <= MAX_RANK (absent ones are fine)."""
    return all(t is None or (np.dtype(t.dtype) == np.float32 and len(t.shape) <= MAX_RANK)
               for t in tensors)


def broadcast_table(out_shape: Sequence[int], *in_shapes: Sequence[int]) -> np.ndarray:
    """int32 [out dims | strides of each input] over MAX_RANK dims, leading dims padded with 1.

    A stride is 0 on a dimension the input broadcasts along, so a kernel maps an output
    index to each input's element index with one multiply-add per dimension.
    """
    pad = MAX_RANK - len(out_shape)
    table = [1] * pad + [int(d) for d in out_shape]
    for shape in in_shapes:
        dims = [1] * (MAX_RANK - len(shape)) + [int(d) for d in shape]
        strides, step = [0] * MAX_RANK, 1
        for k in range(MAX_RANK - 1, -1, -1):
            strides[k] = 0 if dims[k] == 1 else step
            step *= dims[k]
        table += strides
    return np.array(table, np.int32)
