"""TensorProto / SparseTensorProto -> NumPy, with every size checked against the declared dims.

onnx's own conversion reads external data relative to the process's working
directory and lets a data field of the wrong length escape as a ValueError; here
external data must already be loaded (by the loader, confined to the model's
folder) and every mismatch is a ModelLoadError naming the tensor.
"""
from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..errors import ModelLoadError

# element types stored packed, several to a byte: bits per element
_PACKED_BITS = {getattr(TensorProto, name): bits for name, bits in
                (("INT4", 4), ("UINT4", 4), ("FLOAT4E2M1", 4), ("INT2", 2), ("UINT2", 2),
                 ("FLOAT6E2M3", 6), ("FLOAT6E3M2", 6)) if hasattr(TensorProto, name)}
_COMPLEX = {TensorProto.COMPLEX64, TensorProto.COMPLEX128}


def _element_count(tensor: TensorProto, what: str) -> int:
    if any(d < 0 for d in tensor.dims):
        raise ModelLoadError(f"{what}: negative dimension in dims {list(tensor.dims)}")
    return math.prod(tensor.dims)


def _element_type(tensor: TensorProto, what: str) -> np.dtype:
    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type))
    except (KeyError, TypeError, ValueError):
        raise ModelLoadError(f"{what}: unknown or undefined element type {tensor.data_type}") from None


def declared_nbytes(tensor: TensorProto, what: str) -> int:
    """The bytes the tensor's raw data must hold: dims x element size (packed types rounded up)."""
    if tensor.data_type == TensorProto.STRING:
        raise ModelLoadError(f"{what}: string tensors cannot be stored as raw or external data")
    n = _element_count(tensor, what)
    bits = _PACKED_BITS.get(tensor.data_type)
    if bits is not None:
        return -(-n * bits // 8)
    return n * _element_type(tensor, what).itemsize


def _typed_count(tensor: TensorProto, n: int) -> int:
    """How many entries the typed data field (float_data, int32_data, ...) must hold."""
    bits = _PACKED_BITS.get(tensor.data_type)
    if bits is not None:
        return -(-n * bits // 8)
    return 2 * n if tensor.data_type in _COMPLEX else n


def check_tensor_data(tensor: TensorProto, what: str) -> None:
    """ModelLoadError unless the tensor's (inline) data matches its dims and element type."""
    if tensor.data_location == TensorProto.EXTERNAL:
        raise ModelLoadError(f"{what}: external data was not loaded (load the model with load_model, "
                             "which reads it from the model's folder)")
    if tensor.HasField("segment"):
        raise ModelLoadError(f"{what}: segmented tensors are not supported")
    _element_type(tensor, what)
    n = _element_count(tensor, what)
    if tensor.HasField("raw_data"):
        want = declared_nbytes(tensor, what)
        if len(tensor.raw_data) != want:
            raise ModelLoadError(f"{what}: raw_data holds {len(tensor.raw_data)} bytes, its dims "
                                 f"{list(tensor.dims)} and element type need {want}")
    else:
        field = helper.tensor_dtype_to_field(tensor.data_type)
        have, want = len(getattr(tensor, field)), _typed_count(tensor, n)
        if have != want:
            raise ModelLoadError(f"{what}: {field} holds {have} values, its dims {list(tensor.dims)} "
                                 f"need {want}")


def tensor_array(tensor: TensorProto, what: str = "") -> np.ndarray:
    """The tensor's value; ModelLoadError if its data does not match its dims and type."""
    what = what or f"tensor '{tensor.name}'"
    check_tensor_data(tensor, what)
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelLoadError(f"{what}: unreadable data: {exc}") from exc


def sparse_to_dense(sparse: onnx.SparseTensorProto, what: str = "") -> np.ndarray:
    """The dense value of a sparse tensor; indices must be in range (linear or one row per value)."""
    what = what or f"sparse tensor '{sparse.values.name}'"
    values = tensor_array(sparse.values, f"{what} values")
    indices = tensor_array(sparse.indices, f"{what} indices")
    if any(d < 0 for d in sparse.dims):
        raise ModelLoadError(f"{what}: negative dimension in dims {list(sparse.dims)}")
    shape = tuple(sparse.dims)
    nnz = values.size
    if values.ndim != 1 or indices.dtype.kind not in "iu" \
            or indices.shape not in ((nnz,), (nnz, len(shape))):
        raise ModelLoadError(f"{what}: needs 1-D values and integer indices of shape [{nnz}] or "
                             f"[{nnz}, {len(shape)}], got values {values.shape} and indices "
                             f"{indices.shape} ({indices.dtype})")
    indices = indices.astype(np.int64)
    bounds = np.array(shape, np.int64) if indices.ndim == 2 else np.int64(math.prod(shape))
    if indices.size and (indices.min() < 0 or np.any(indices >= bounds)):
        raise ModelLoadError(f"{what}: an index is out of range for dims {list(shape)}")
    dense = np.zeros(shape, values.dtype)
    flat = np.ravel_multi_index(tuple(indices.T), shape) if indices.ndim == 2 else indices
    dense.reshape(-1)[flat] = values
    return dense
