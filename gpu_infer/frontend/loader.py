"""Read an ONNX model from a path, bytes or a ModelProto; check it; load external data safely.

Only regular files are read, the model file and external data alike: a device
(/dev/zero), a FIFO, a socket or a directory is refused before anything is read,
and files are opened non-blocking and checked again on the open descriptor.
External data is read only from inside the model's folder: a location that is
absolute, climbs out with '..', resolves (symlinks followed) outside the folder,
or is a hard link (more than one link, as onnx's own loader refuses) is refused,
so a downloaded model cannot make us read arbitrary files. Every external read is
bounded by the size the tensor declares (dims x element size).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterator

import onnx
from google.protobuf.message import DecodeError

from ..errors import ModelLoadError
from .tensors import check_tensor_data, declared_nbytes

ModelSource = str | os.PathLike | bytes | bytearray | onnx.ModelProto
MAX_PROTO_BYTES = (2 << 30) - 1            # protobuf cannot parse a message larger than 2 GiB


def load_model(model: ModelSource, *, base_dir: str | os.PathLike | None = None) -> onnx.ModelProto:
    """A checked ModelProto with every external tensor loaded into memory.

    `base_dir` is the folder external data is resolved against; it defaults to
    the model file's folder and is required for bytes/protos that use external data.
    """
    if isinstance(model, onnx.ModelProto):
        proto = onnx.ModelProto()
        proto.CopyFrom(model)
        source = "<ModelProto>"
    elif isinstance(model, (bytes, bytearray)):
        proto = _parse(bytes(model), "<bytes>")
        source = "<bytes>"
    elif isinstance(model, (str, os.PathLike)):
        source = os.fspath(model)
        proto = _parse(_read_model_file(source), source)
        if base_dir is None:
            base_dir = os.path.dirname(os.path.abspath(source))
    else:
        raise ModelLoadError(f"cannot load a model from a {type(model).__name__}")
    _check_structure(proto, source)
    _load_external_data(proto, base_dir, source)
    for tensor in all_tensors(proto):
        check_tensor_data(tensor, f"{source}: tensor '{tensor.name}'")
    try:
        onnx.checker.check_model(proto, full_check=False)
    except (onnx.checker.ValidationError, ValueError) as exc:
        raise ModelLoadError(f"{source}: model fails onnx.checker: {exc}") from exc
    return proto


# ---------------------------------------------------------------- regular files only

def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _open_regular(path: str | Path, what: str, follow_symlinks: bool = True) -> tuple[int, os.stat_result]:
    """A read-only descriptor of `path` and its fstat, refusing anything but a regular file.

    The path is stat'ed before opening (so a FIFO or a device is never opened), opened
    non-blocking, and its descriptor checked again (the same file, still regular).
    """
    try:
        before = os.stat(path, follow_symlinks=follow_symlinks)
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{what}: file not found") from exc
    except OSError as exc:
        raise ModelLoadError(f"{what}: cannot stat: {exc}") from exc
    if not stat.S_ISREG(before.st_mode):
        raise ModelLoadError(f"{what}: {_kind(before.st_mode)}, not a regular file; refused")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_BINARY", 0) | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ModelLoadError(f"{what}: cannot open: {exc}") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise ModelLoadError(f"{what}: the file changed while it was opened; refused")
    return fd, st


def _read_exactly(fd: int, offset: int, size: int, what: str) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    chunks, done = [], 0
    while done < size:
        chunk = os.read(fd, min(size - done, 1 << 26))
        if not chunk:
            raise ModelLoadError(f"{what}: file ended after {done} of {size} bytes (truncated)")
        chunks.append(chunk)
        done += len(chunk)
    return b"".join(chunks)


def _read_model_file(path: str) -> bytes:
    fd, st = _open_regular(path, f"model file {path}")
    try:
        if st.st_size > MAX_PROTO_BYTES:
            raise ModelLoadError(f"model file {path}: {st.st_size} bytes, more than the 2 GiB a protobuf "
                                 "can hold (large weights belong in external data)")
        return _read_exactly(fd, 0, st.st_size, f"model file {path}")
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file {path}: {exc}") from exc
    finally:
        os.close(fd)


def _parse(data: bytes, source: str) -> onnx.ModelProto:
    if not data:
        raise ModelLoadError(f"{source}: empty model")
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise ModelLoadError(f"{source}: not a valid ONNX protobuf (truncated or corrupt): {exc}") from exc
    return proto


def _check_structure(proto: onnx.ModelProto, source: str) -> None:
    """What protobuf accepts but no real model looks like: garbage that happened to parse."""
    if proto.ir_version <= 0 or not proto.HasField("graph") or not proto.opset_import:
        raise ModelLoadError(f"{source}: not a valid ONNX model (no IR version, graph or opset_import; "
                             "truncated or not an ONNX file)")
    known = onnx.defs.onnx_opset_version()
    for imp in proto.opset_import:
        if imp.domain in ("", "ai.onnx"):
            if imp.version > known:
                raise ModelLoadError(f"{source}: opset {imp.version} of the default domain is newer than "
                                     f"the installed onnx knows (up to {known})")


# ---------------------------------------------------------------- external data

def all_tensors(proto: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    """Every TensorProto of the model: initializers, the values and indices of sparse
    initializers, tensor and sparse-tensor attributes, in subgraphs and functions too."""
    yield from _graph_tensors(proto.graph)
    for function in proto.functions:
        yield from _nodes_tensors(function.node)


def _graph_tensors(graph: onnx.GraphProto) -> Iterator[onnx.TensorProto]:
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield from (sparse.values, sparse.indices)
    yield from _nodes_tensors(graph.node)


def _nodes_tensors(nodes) -> Iterator[onnx.TensorProto]:
    for node in nodes:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            for sparse in ([attr.sparse_tensor] if attr.HasField("sparse_tensor") else []) + list(attr.sparse_tensors):
                yield from (sparse.values, sparse.indices)
            if attr.HasField("g"):
                yield from _graph_tensors(attr.g)
            for sub in attr.graphs:
                yield from _graph_tensors(sub)


def _load_external_data(proto: onnx.ModelProto, base_dir, source: str) -> None:
    for tensor in all_tensors(proto):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        entries = {e.key: e.value for e in tensor.external_data}
        location = entries.get("location", "")
        what = f"{source}: external data of tensor '{tensor.name}' at '{location}'"
        if base_dir is None:
            raise ModelLoadError(f"{what}: a model given as bytes or a proto needs base_dir")
        offset = _non_negative(entries.get("offset", "0"), "offset", what)
        size = declared_nbytes(tensor, what)
        if "length" in entries and _non_negative(entries["length"], "length", what) != size:
            raise ModelLoadError(f"{what}: length {entries['length']} disagrees with the {size} bytes its "
                                 f"dims {list(tensor.dims)} and element type declare")
        tensor.raw_data = _read_range(_safe_path(base_dir, location, what), offset, size, what)
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT


def _non_negative(text: str, key: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ModelLoadError(f"{what}: {key} {text!r} is not an integer") from None
    if value < 0:
        raise ModelLoadError(f"{what}: {key} {value} is negative")
    return value


def _safe_path(base_dir, location: str, what: str) -> Path:
    if not location:
        raise ModelLoadError(f"{what}: empty location")
    if "\0" in location:
        raise ModelLoadError(f"{what}: NUL byte in the location")
    if PurePosixPath(location).is_absolute() or PureWindowsPath(location).is_absolute() \
            or PureWindowsPath(location).drive:
        raise ModelLoadError(f"{what}: absolute locations are refused")
    if ".." in PurePosixPath(location.replace("\\", "/")).parts:
        raise ModelLoadError(f"{what}: '..' in a location is refused (must stay in the model's folder)")
    root = Path(base_dir).resolve()
    path = (root / location).resolve()
    if os.path.commonpath([root, path]) != str(root):
        raise ModelLoadError(f"{what}: resolves outside the model's folder ({path})")
    return path


def _read_range(path: Path, offset: int, size: int, what: str) -> bytes:
    """`size` bytes at `offset` of a regular, singly linked file (already resolved inside the folder)."""
    fd, st = _open_regular(path, what, follow_symlinks=False)
    try:
        if st.st_nlink > 1:
            raise ModelLoadError(f"{what}: the file has {st.st_nlink} hard links; refused (a hard link "
                                 "can point outside the model's folder)")
        if offset + size > st.st_size:
            raise ModelLoadError(f"{what}: file of {st.st_size} bytes is shorter than offset {offset} + "
                                 f"size {size} (truncated)")
        return _read_exactly(fd, offset, size, what)
    except OSError as exc:
        raise ModelLoadError(f"{what}: cannot read: {exc}") from exc
    finally:
        os.close(fd)
