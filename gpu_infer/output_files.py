"""Files gpu_infer writes on request (outputs, .gim models, profiles): checked before the work, and a
failed write is an OptionError naming the file and the option that asked for it, not an OSError."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import OptionError


def check_output_path(path: str | os.PathLike, what: str) -> None:
    """OptionError unless a file can be created at `path`: its folder exists and it is no folder."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OptionError(f"{what}: {path} is a folder, not a file")
    if not os.path.isdir(folder):
        raise OptionError(f"{what}: cannot write {path}: folder {folder} does not exist")


@contextmanager
def writing(path: str | os.PathLike, what: str) -> Iterator[None]:
    """Check `path`, then run the block that writes it, turning an OSError into an OptionError."""
    check_output_path(path, what)
    try:
        yield
    except OSError as exc:
        raise OptionError(f"{what}: cannot write {os.fspath(path)}: {exc.strerror or exc}") from exc
