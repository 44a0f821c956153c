"""Feeds: Python values converted as onnxruntime converts them, and the command line's inputs
(shapes, random tensors, .npy files), each mistake an InputError naming the input."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import InputError

DEFAULT_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
DEFAULT_SHAPES = {"x": (1, 3, 48, 192)}      # the default model's natural input


def feed_array(name: str, value: Any, dtype: np.dtype | None) -> np.ndarray:
    """One feed as an ndarray. Arrays and NumPy scalars stay as they are (the caller checks their
    dtype against the model's, as onnxruntime does); Python lists, tuples and scalars are converted
    to the input's `dtype`, as onnxruntime converts lists (numeric strings parse, floats truncate
    toward zero for integer inputs, everything becomes str for string inputs)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if not isinstance(value, (list, tuple, bool, int, float, str)):
        raise InputError(f"input {name!r} is a {type(value).__name__}; pass a NumPy array, a list or a scalar")
    target = np.dtype(object if dtype is None else dtype)
    try:
        if target == np.dtype(object):
            return np.array(value, dtype=str).astype(object)
        return np.array(value, dtype=target)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"input {name!r}: cannot convert the given {type(value).__name__} to {target} "
                         f"(the model's type): {exc}") from None


def default_model_path() -> Path:
    return Path(str(resources.files("gpu_infer") / "models" / DEFAULT_MODEL))


def parse_shapes(specs: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """['x=1,3,48,192', ...] -> {'x': (1, 3, 48, 192)}."""
    out = {}
    for spec in specs:
        name, sep, dims = spec.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name] = tuple(int(d) for d in dims.replace("x", ",").split(",") if d)
        except ValueError:
            raise InputError(f"bad --shape {spec!r}: expected NAME=D0,D1,... (e.g. x=1,3,48,192)") from None
    return out


def make_feeds(inputs, shapes: dict[str, tuple[int, ...]], npy: dict[str, str], seed: int = 0,
               ) -> tuple[dict[str, np.ndarray], list[str]]:
    """Random (or .npy) feeds for `inputs` (NodeArg list); symbolic dims not given default to 1.

    Returns the feeds and notes on the dims that were guessed.
    """
    rng = np.random.default_rng(seed)
    feeds, notes = {}, []
    for arg in inputs:
        if arg.name in npy:
            feeds[arg.name] = np.load(npy[arg.name])
            continue
        shape = shapes.get(arg.name)
        if shape is None:
            shape = tuple(d if isinstance(d, int) and d >= 0 else 1 for d in (arg.shape or []))
            if any(not (isinstance(d, int) and d >= 0) for d in (arg.shape or [])):
                notes.append(f"{arg.name}: dynamic dims set to 1 -> {shape} (use --shape {arg.name}=...)")
        dtype = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
                 "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(bool)": np.bool_,
                 "tensor(uint8)": np.uint8}.get(arg.type, np.float32)
        if np.dtype(dtype).kind == "f":
            feeds[arg.name] = rng.standard_normal(shape).astype(dtype)
        elif np.dtype(dtype).kind == "b":
            feeds[arg.name] = rng.integers(0, 2, shape).astype(dtype)
        else:
            feeds[arg.name] = rng.integers(0, 10, shape).astype(dtype)
    return feeds, notes
