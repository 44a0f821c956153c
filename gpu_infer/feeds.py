"""Feeds: Python values converted as onnxruntime converts them, and the command line's inputs
(shapes, random tensors, .npy files), each mistake an InputError naming the input."""
from __future__ import annotations

import functools
import math
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import onnx

from .errors import InputError

DEFAULT_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
DEFAULT_SHAPES = {"x": (1, 3, 48, 192)}      # the default model's natural input
NPY_MAGIC = b"\x93NUMPY"


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
            if not sep or not name:
                raise ValueError
            shape = tuple(int(d) for d in dims.replace("x", ",").split(",") if d)
        except ValueError:
            raise InputError(f"bad --shape {spec!r}: expected NAME=D0,D1,... (e.g. x=1,3,48,192)") from None
        if any(d < 0 for d in shape):
            raise InputError(f"bad --shape {spec!r}: dimensions cannot be negative")
        out[name] = shape
    return out


def parse_inputs(specs: Sequence[str]) -> dict[str, str]:
    """['x=x.npy', ...] -> {'x': 'x.npy'}."""
    out = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise InputError(f"bad --input {spec!r}: expected NAME=FILE.npy")
        out[name] = path
    return out


def load_npy(name: str, path: str) -> np.ndarray:
    """The array in a .npy file; InputError for a file that is missing, unreadable, not a .npy file,
    or holds Python objects (which would need unpickling)."""
    what = f"--input {name}={path}"
    try:
        with open(path, "rb") as f:
            is_npy = f.read(len(NPY_MAGIC)) == NPY_MAGIC
            f.seek(0)
            array = np.lib.format.read_array(f, allow_pickle=False) if is_npy else None
    except FileNotFoundError:
        raise InputError(f"{what}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{what}: is a folder, not a .npy file") from None
    except OSError as exc:
        raise InputError(f"{what}: cannot read it: {exc.strerror or exc}") from None
    except (ValueError, EOFError) as exc:
        raise InputError(f"{what}: unreadable .npy file (truncated, or holds Python objects): {exc}") from None
    if array is None:
        raise InputError(f"{what}: not a .npy file (no NumPy header)")
    return array


def make_feeds(inputs, shapes: dict[str, tuple[int, ...]], npy: dict[str, str], seed: int = 0,
               ) -> dict[str, np.ndarray]:
    """Random (or .npy) feeds for `inputs` (NodeArg list). Every name in `shapes` and `npy` must be an
    input, and every input with a dynamic dimension needs a shape (or a file)."""
    names = [arg.name for arg in inputs]
    check_names("--shape", shapes, names)
    check_names("--input", npy, names)
    both = sorted(shapes.keys() & npy.keys())
    if both:
        raise InputError(f"input(s) {both} given both --shape and --input; a file brings its own shape")
    _check_shapes_known([arg for arg in inputs if arg.name not in shapes and arg.name not in npy])
    rng = np.random.default_rng(seed)
    feeds = {}
    for arg in inputs:
        if arg.name in npy:
            feeds[arg.name] = load_npy(arg.name, npy[arg.name])
        else:
            feeds[arg.name] = _random(arg, shapes.get(arg.name) or tuple(arg.shape), rng)
    return feeds


def check_names(option: str, given: Sequence[str], names: Sequence[str]) -> None:
    """InputError when `option` names something that is not one of the model's inputs."""
    unknown = [n for n in given if n not in names]
    if unknown:
        raise InputError(f"{option} names {', '.join(map(repr, unknown))}, which the model does not "
                         f"have; its inputs are {', '.join(map(repr, names))}")


def _check_shapes_known(inputs) -> None:
    """InputError naming every input whose shape has a dynamic (or unknown) dimension."""
    problems = []
    for arg in inputs:
        if arg.shape is None:
            problems.append(f"input {arg.name!r} declares no shape: pass --shape {arg.name}=D0,D1,...")
            continue
        dynamic = [k for k, d in enumerate(arg.shape) if not (isinstance(d, int) and d >= 0)]
        if dynamic:
            dims = ",".join(f"D{k}" if k in dynamic else str(d) for k, d in enumerate(arg.shape))
            problems.append(f"input {arg.name!r} has shape {list(arg.shape)}, dynamic in dimension(s) "
                            f"{', '.join(map(str, dynamic))}: pass --shape {arg.name}={dims} with numbers "
                            f"for the D's")
    if problems:
        raise InputError("; ".join(problems))


def _random(arg, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    from .backends.common import check_alloc
    from .backends.cpu.backend import host_memory_bytes
    dtype = _onnx_type_dtypes().get(arg.type)
    if dtype is None or dtype.kind not in "fbiuO":
        raise InputError(f"input {arg.name!r} has type {arg.type}, which gets no random values: "
                         f"pass it with --input {arg.name}=FILE.npy")
    nbytes = math.prod(shape) * max(dtype.itemsize, 8)     # float64 / int64 while generating
    check_alloc(f"input {arg.name!r} of shape {shape}", nbytes, host_memory_bytes(), "host memory")
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(dtype)
    values = rng.integers(0, 10, shape)
    return values.astype(str).astype(object) if dtype.kind == "O" else values.astype(dtype)


@functools.cache
def _onnx_type_dtypes() -> dict[str, np.dtype]:
    """NodeArg.type ('tensor(float)', ...) -> NumPy dtype, for every tensor type NumPy can hold."""
    out = {}
    for name, code in onnx.TensorProto.DataType.items():
        try:
            out[f"tensor({name.lower()})"] = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(code))
        except (KeyError, TypeError, ValueError):
            continue
    return out
