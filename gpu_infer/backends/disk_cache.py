"""The on-disk store behind the device runtimes' caches (OpenCL program binaries, Vulkan
pipeline caches): one file per key, written atomically, checked on every read.

Where: ``platformdirs.user_cache_dir("gpu_infer")``, or ``$GPU_INFER_CACHE_DIR``; that variable
set empty or to ``off`` disables caching. A key is a flat dict naming everything the payload
depends on (device, driver, API version, source hash, build options ...); the file name is a
hash of it, and the file repeats the key in a readable header:

    GPUINFER-CACHE 1\\n  {"key": {...}, "payload_bytes": n, "payload_sha256": "..."}\\n  payload

A file that is truncated, corrupt, written for another key (another device or driver),
unreadable, or in a folder that cannot be read is a miss, never an error: the caller rebuilds
and stores again. Writers write a temporary file in the same folder and rename it over the
entry, so concurrent processes never read half a file and the last complete write wins.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_VAR = "GPU_INFER_CACHE_DIR"
MAGIC = b"GPUINFER-CACHE 1\n"
DISABLED = ("", "off")


def cache_root() -> Path | None:
    """The cache folder now (None: caching is off)."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        import platformdirs
        return Path(platformdirs.user_cache_dir("gpu_infer"))
    if value.strip().lower() in DISABLED:
        return None
    return Path(value).expanduser()


def _canonical(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


@dataclass
class CacheStats:
    """What one store did in this process: for tests, reports and benchmarks."""
    hits: int = 0
    misses: int = 0            # no entry for the key
    rejected: int = 0          # an entry was there but unusable (the reason is in `problems`)
    writes: int = 0
    write_errors: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"hits": self.hits, "misses": self.misses, "rejected": self.rejected, "writes": self.writes,
                "write_errors": self.write_errors, "problems": list(self.problems)}


class DiskCache:
    """Entries of one kind (a sub-folder of the cache root), one file per key."""

    MAX_PROBLEMS = 20          # keep the first reasons only: a broken folder repeats itself

    def __init__(self, folder: Path | None):
        self.folder = folder               # None: caching is off
        self.stats = CacheStats()
        self._lock = threading.Lock()

    @classmethod
    def of_kind(cls, kind: str) -> "DiskCache":
        """The store of `kind` under the cache root as the environment sets it now."""
        root = cache_root()
        return cls(root / kind if root is not None else None)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def path(self, key: dict[str, Any]) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / (hashlib.sha256(_canonical(key).encode()).hexdigest()[:40] + ".bin")

    # -- reading ------------------------------------------------------------
    def load(self, key: dict[str, Any]) -> bytes | None:
        """The payload stored for `key`, or None (absent, unusable, or caching off)."""
        path = self.path(key)
        if path is None:
            return None
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            self._count("misses")
            return None
        except OSError as exc:                # unreadable file, a folder in the way ...
            self.reject(f"{path.name}: cannot read: {exc.strerror or exc}")
            return None
        payload, why = _unpack(blob, key)
        if payload is None:
            self.reject(f"{path.name}: {why}")
            return None
        self._count("hits")
        return payload

    def reject(self, why: str) -> None:
        """Count an entry that was found but could not be used (also for callers whose own
        check of the payload fails, e.g. a binary the driver refuses)."""
        with self._lock:
            self.stats.rejected += 1
            if len(self.stats.problems) < self.MAX_PROBLEMS:
                self.stats.problems.append(why)

    # -- writing ------------------------------------------------------------
    def store(self, key: dict[str, Any], payload: bytes) -> bool:
        """Write the entry atomically; False (and a recorded problem) when the folder is not
        writable. Never raises for file-system trouble: a cache must not break a session."""
        path = self.path(key)
        if path is None:
            return False
        header = json.dumps({"key": key, "payload_bytes": len(payload),
                             "payload_sha256": hashlib.sha256(payload).hexdigest()}, sort_keys=True)
        blob = MAGIC + header.encode() + b"\n" + payload
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            with self._lock:
                self.stats.write_errors += 1
                if len(self.stats.problems) < self.MAX_PROBLEMS:
                    self.stats.problems.append(f"cannot write {path}: {exc.strerror or exc}")
            return False
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self._count("writes")
        return True

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self.stats, what, getattr(self.stats, what) + 1)


def _unpack(blob: bytes, key: dict[str, Any]) -> tuple[bytes | None, str]:
    """(payload, "") when `blob` is a complete entry written for `key`, else (None, why)."""
    if not blob.startswith(MAGIC):
        return None, "not a gpu_infer cache entry"
    end = blob.find(b"\n", len(MAGIC))
    if end < 0:
        return None, "truncated header"
    try:
        header = json.loads(blob[len(MAGIC):end])
        stored_key, size, digest = header["key"], int(header["payload_bytes"]), str(header["payload_sha256"])
    except (ValueError, KeyError, TypeError):
        return None, "unreadable header"
    if not isinstance(stored_key, dict) or _canonical(stored_key) != _canonical(key):
        return None, "written for another key (device, driver or source)"
    payload = blob[end + 1:]
    if len(payload) != size:
        return None, f"truncated payload ({len(payload)} of {size} bytes)"
    if hashlib.sha256(payload).hexdigest() != digest:
        return None, "payload checksum mismatch"
    return payload, ""


__all__ = ["ENV_VAR", "CacheStats", "DiskCache", "cache_root"]
