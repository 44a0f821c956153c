"""An ``onnx.backend.base.Backend`` adapter, so onnx's official backend suite can drive gpu_infer.

    rep = gpu_infer.onnx_backend.prepare(model, backend="opencl", strict=True)
    outputs = rep.run([x, y])

``GpuInferBackend.configure(...)`` returns a Backend class bound to one backend,
precision and strictness, which is what ``onnx.backend.test.BackendTest`` takes.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from .session import InferenceSession


class GpuInferRep(BackendRep):
    def __init__(self, session: InferenceSession):
        self.session = session
        self._names = [i.name for i in session.get_inputs()]

    def run(self, inputs: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        if isinstance(inputs, dict):
            feeds = {k: np.asarray(v) for k, v in inputs.items()}
        else:
            if isinstance(inputs, np.ndarray) or np.isscalar(inputs):
                inputs = [inputs]
            feeds = {name: np.asarray(v) for name, v in zip(self._names, inputs)}
        return tuple(self.session.run(None, feeds))


class GpuInferBackend(Backend):
    backend = "cpu"
    precision = "fp32"
    strict = True

    @classmethod
    def configure(cls, backend: str = "cpu", precision: str = "fp32", strict: bool = True) -> type["GpuInferBackend"]:
        return type(f"GpuInferBackend_{backend}_{precision}", (cls,),
                    {"backend": backend, "precision": precision, "strict": strict})

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", backend: str | None = None,
                precision: str | None = None, strict: bool | None = None, **kwargs: Any) -> GpuInferRep:
        super().prepare(model, device, **kwargs)
        session = InferenceSession(model, backend=backend or cls.backend,
                                   precision=precision or cls.precision,
                                   strict=cls.strict if strict is None else strict)
        return GpuInferRep(session)

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU", **kwargs: Any):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        # Tensors are fed and returned on the host; the GPU is chosen by `backend`.
        return device == "CPU"


prepare = GpuInferBackend.prepare
run_model = GpuInferBackend.run_model
supports_device = GpuInferBackend.supports_device
