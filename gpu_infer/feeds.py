"""Inputs for the CLI: shapes from the command line, random tensors, .npy files."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputError

DEFAULT_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
DEFAULT_SHAPES = {"x": (1, 3, 48, 192)}      # the default model's natural input


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
