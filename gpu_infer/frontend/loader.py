"""Read an ONNX model from a path, bytes or a ModelProto; check it; load external data safely.

External data is read only from inside the model's folder: a location that is
absolute, climbs out with '..', or resolves (symlinks followed) outside the
folder is refused, so a downloaded model cannot make us read arbitrary files.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

import onnx
from google.protobuf.message import DecodeError
from onnx.external_data_helper import ExternalDataInfo, _get_all_tensors

from ..errors import ModelLoadError

ModelSource = str | os.PathLike | bytes | bytearray | onnx.ModelProto


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
        proto = _parse(_read_file(source), source)
        if base_dir is None:
            base_dir = os.path.dirname(os.path.abspath(source))
    else:
        raise ModelLoadError(f"cannot load a model from a {type(model).__name__}")
    _check_structure(proto, source)
    _load_external_data(proto, base_dir, source)
    try:
        onnx.checker.check_model(proto, full_check=False)
    except (onnx.checker.ValidationError, ValueError) as exc:
        raise ModelLoadError(f"{source}: model fails onnx.checker: {exc}") from exc
    return proto


def _read_file(path: str) -> bytes:
    if not os.path.exists(path):
        raise ModelLoadError(f"model file not found: {path}")
    if os.path.isdir(path):
        raise ModelLoadError(f"model path is a directory, not a file: {path}")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file {path}: {exc}") from exc


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


def _load_external_data(proto: onnx.ModelProto, base_dir, source: str) -> None:
    for tensor in _get_all_tensors(proto):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = ExternalDataInfo(tensor)
        what = f"{source}: external data of tensor '{tensor.name}' at '{info.location}'"
        if base_dir is None:
            raise ModelLoadError(f"{what}: a model given as bytes or a proto needs base_dir")
        path = _safe_path(base_dir, info.location, what)
        tensor.raw_data = _read_range(path, info.offset, info.length, what)
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT


def _safe_path(base_dir, location: str, what: str) -> Path:
    if not location:
        raise ModelLoadError(f"{what}: empty location")
    if PurePosixPath(location).is_absolute() or PureWindowsPath(location).is_absolute() \
            or PureWindowsPath(location).drive:
        raise ModelLoadError(f"{what}: absolute locations are refused")
    if ".." in PurePosixPath(location.replace("\\", "/")).parts:
        raise ModelLoadError(f"{what}: '..' in a location is refused (must stay in the model's folder)")
    root = Path(base_dir).resolve()
    path = (root / location).resolve()
    if os.path.commonpath([root, path]) != str(root):
        raise ModelLoadError(f"{what}: resolves outside the model's folder ({path})")
    if not path.is_file():
        raise ModelLoadError(f"{what}: file not found")
    return path


def _read_range(path: Path, offset: int | None, length: int | None, what: str) -> bytes:
    offset = offset or 0
    size = path.stat().st_size
    if offset > size or (length is not None and offset + length > size):
        raise ModelLoadError(f"{what}: file is shorter than offset+length (truncated)")
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(length) if length is not None else f.read()
