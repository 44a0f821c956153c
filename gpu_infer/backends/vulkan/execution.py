"""What every Vulkan execution shares: element-type variants of its shaders, dispatches made in
on_resize and recorded in on_execute, push constants, fused activations, scratch and weights.

A family's shader is ``spirv_shaders/<family>.comp``, its variants declared beside it in
``<family>.variants.py`` (compile.py). Shaders whose tensors are all float32 take the precision
level as their variant (precision.glsl: ``self.precision``); shaders that also run on integers,
bools or doubles take element type codes per role (types.glsl: ``type_code``).

Weights and other constants transformed on the host are prepared once per session with
``self.prepare_weight(key, build, source=..., what=...)`` (base.py), which returns the
VKTensorRef to bind; temporary buffers are declared by ``scratch_bytes`` and bound as
``self.scratch(i)``. A fused activation is three push constants (``activation_push``) that
spirv_shaders/activation.glsl's ``activate(code, v, a, b)`` reads.

Layout: plain NCHW, as on OpenCL (see opencl/execution.py): invocations along the contiguous
innermost dimension, no conversions between ops.
"""
from __future__ import annotations

import functools
import importlib.resources
from typing import Any, ClassVar, Sequence

import numpy as np

from ...scheduler import probe_all
from ..base import Execution, Tensor
from ..gpu_common import MAX_RANK, activation_params
from .dispatch import VKDispatch
from .memory import VKTensorRef

MAX_ELEMENTS = 2**31 - 1          # shaders index with int
# storage dtype -> element type code (spirv_shaders/compile.py ELEMENT_TYPES, types.glsl); float16
# is "f16s" (half storage, float arithmetic) or, at fp16-arith, "f16"
TYPE_CODES = {np.dtype(t): code for t, code in (
    (np.float32, "f32"), (np.float64, "f64"), (np.int8, "i8"), (np.uint8, "u8"), (np.int16, "i16"),
    (np.uint16, "u16"), (np.int32, "i32"), (np.uint32, "u32"), (np.int64, "i64"), (np.uint64, "u64"),
    (np.bool_, "bool"))}
# element types -> the device feature a kernel computing on them needs (vulkan/runtime.py enables it
# where the device has it)
TYPE_FEATURES = {np.dtype(np.float16): "storageBuffer16BitAccess", np.dtype(np.int16): "storageBuffer16BitAccess",
                 np.dtype(np.uint16): "storageBuffer16BitAccess", np.dtype(np.int8): "storageBuffer8BitAccess",
                 np.dtype(np.uint8): "storageBuffer8BitAccess", np.dtype(np.bool_): "storageBuffer8BitAccess",
                 np.dtype(np.int64): "shaderInt64", np.dtype(np.uint64): "shaderInt64",
                 np.dtype(np.float64): "shaderFloat64"}


def type_code(store_dtype: Any, precision: str) -> str:
    """The element type code of tensors stored as `store_dtype` at `precision`."""
    store_dtype = np.dtype(store_dtype)
    if store_dtype == np.float16:
        return "f16" if precision == "fp16-arith" else "f16s"
    return TYPE_CODES[store_dtype]


@functools.lru_cache(maxsize=None)
def device_features() -> dict[str, Any]:
    """The probed properties of the Vulkan device the backend opens (features by name)."""
    status = probe_all()["vulkan"]
    return dict(status.device.properties) if status.device is not None else {}


@functools.lru_cache(maxsize=None)
def has_variant(stem: str, variant: str) -> bool:
    """Whether spirv_shaders ships shader `stem.variant` (a family's supports() can ask before it
    accepts a combination of element types)."""
    return importlib.resources.files("gpu_infer.spirv_shaders").joinpath(f"{stem}.{variant}.spv").is_file()


def type_refusal(dtype: Any) -> str | None:
    """Why a kernel cannot compute on `dtype` elements on this device (None: it can)."""
    dtype = np.dtype(dtype)
    if dtype not in TYPE_CODES and dtype != np.float16:
        return f"no Vulkan kernel holds {dtype.name} elements"
    feature = TYPE_FEATURES.get(dtype)
    if feature is not None and not device_features().get(feature, False):
        return f"{dtype.name} elements need the device feature {feature}, which it lacks"
    return None


def kernel_tensors(tensors: Sequence[Tensor | None], allowed: frozenset[np.dtype] | None = None) -> str | None:
    """Why a kernel cannot take these tensors (None: it can): a type not in `allowed` (None: any
    type the device can compute on), more than MAX_RANK dims or int32-indexable elements."""
    for t in tensors:
        if t is None:
            continue
        dtype = np.dtype(t.dtype)
        if allowed is not None and dtype not in allowed:
            return f"'{t.name}' is {dtype.name}, which this kernel does not take"
        why = type_refusal(dtype)
        if why is not None:
            return f"'{t.name}': {why}"
        if len(t.shape) > MAX_RANK or t.size > MAX_ELEMENTS:
            return f"'{t.name}' has more than {MAX_RANK} dims or {MAX_ELEMENTS} elements"
    return None


def pack(*values: Any) -> np.ndarray:
    """Push constants as bytes, each value (NumPy scalar or array: int32, float32, int64 ...) at its
    natural alignment, as the shader's std430 push-constant block lays them out."""
    out = bytearray()
    for v in values:
        a = np.asarray(v)
        out += bytes(-len(out) % a.dtype.itemsize) + a.tobytes()
    return np.frombuffer(bytes(out), np.uint8)


class VKExecution(Execution):
    """An execution whose shaders come from spirv_shaders/<family>.comp: `bind` (from on_resize)
    makes its dispatches with ``dispatch``; on_execute records them in order."""

    family: ClassVar[str] = ""
    dispatches: list[VKDispatch] = []

    @classmethod
    def kernel_refusal(cls, node, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> str | None:
        """Why the kernels cannot take these tensors (None: they can); by default any type the
        device computes on. Strict mode quotes it."""
        return kernel_tensors(list(inputs) + list(outputs))

    @classmethod
    def supports(cls, node, inputs, outputs) -> bool:
        return cls.kernel_refusal(node, inputs, outputs) is None

    @classmethod
    def refusal(cls, node, inputs, outputs) -> str | None:
        why = cls.kernel_refusal(node, inputs, outputs)
        return why if why is not None else super().refusal(node, inputs, outputs)

    def variant(self, tensor: Tensor) -> str:
        """The element type code of `tensor` as this execution stores it (types.glsl)."""
        return type_code(tensor.store_dtype, self.precision)

    def dispatch(self, stem: str, variant: str, refs: Sequence[VKTensorRef], modes: str, push: np.ndarray,
                 invocations: int | tuple[int, ...], local: tuple[int, ...] | None = None,
                 constants: tuple[int, ...] = (), texel: str | None = None) -> VKDispatch:
        """A dispatch of shader `stem.variant` (VKDispatch), recorded by on_execute after the
        ones made before it. Texel-mode bindings ("t", "v") hold elements of code `texel`
        (texel.py), by default floats as this execution's precision stores them."""
        if texel is None:
            texel = "f16" if self.backend.storage_dtype(np.dtype(np.float32), self.precision) == np.float16 else "f32"
        d = VKDispatch(self.workspace, stem, variant, refs, modes, push, invocations, local, constants, texel)
        self.dispatches.append(d)
        return d

    def scratch(self, index: int) -> VKTensorRef:
        """Scratch buffer `index` of scratch_bytes(), bound in the arena."""
        return self.scratch_tensors[index].handle

    def activation_push(self) -> np.ndarray:
        """The fused activation as push constants: int code, float a, float b (activation.glsl)."""
        code, a, b = activation_params(self.node)
        return pack(np.int32(code), a, b)

    def on_resize(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        self.dispatches = []
        self.bind(inputs, outputs)

    def bind(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        """Make the node's dispatches (shapes and buffers are final)."""

    def on_execute(self, inputs: list[Tensor | None], outputs: list[Tensor | None]) -> None:
        for d in self.dispatches:
            self.workspace.record(d)
