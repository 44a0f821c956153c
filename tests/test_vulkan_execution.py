"""The Vulkan execution groundwork (gpu_infer/backends/vulkan/execution.py, dispatch.py,
runtime.py): push-constant packing, element type codes, type refusals, grids and
specialization constants in the pipeline key."""
from __future__ import annotations

import numpy as np
import pytest

from gpu_infer.backends.base import Tensor
from gpu_infer.backends.vulkan.execution import kernel_tensors, pack, type_code
from gpu_infer.ir import Activation, Node
from helpers import need_backend

pytestmark = pytest.mark.vulkan


def test_pack_aligns_each_value_as_std430_does():
    data = pack(np.int32(7), np.float64(1.5), np.array([1, 2], np.int32), np.float32(2.0))
    assert data.nbytes == 4 + 4 + 8 + 8 + 4
    assert data[:4].view(np.int32)[0] == 7 and data[8:16].view(np.float64)[0] == 1.5
    assert list(data[16:24].view(np.int32)) == [1, 2] and data[24:28].view(np.float32)[0] == 2.0


def test_type_codes_follow_storage_and_precision():
    assert type_code(np.float32, "fp32") == "f32"
    assert type_code(np.float16, "fp16-storage") == "f16s" and type_code(np.float16, "fp16-arith") == "f16"
    assert [type_code(t, "fp32") for t in (np.int64, np.uint8, np.bool_, np.float64)] == ["i64", "u8", "bool", "f64"]


def test_kernel_tensors_names_the_tensor_it_refuses():
    t = Tensor("x", (2, 3), np.dtype(np.complex64))
    assert "'x'" in kernel_tensors([t]) and "complex64" in kernel_tensors([t])
    wide = Tensor("w", (1,) * 7, np.dtype(np.float32))
    assert "dims" in kernel_tensors([wide])
    assert "does not take" in kernel_tensors([Tensor("i", (2,), np.dtype(np.int32))],
                                             frozenset({np.dtype(np.float32)}))


def test_activation_push_holds_code_and_parameters():
    from gpu_infer.backends.vulkan.execution import VKExecution

    class Probe(VKExecution):
        pass
    node = Node("Conv", ["x", "w"], ["y"], name="c")
    node.activation = Activation("Clip", {"min": -1.0, "max": 6.0})
    data = Probe(None, node).activation_push()
    assert data[:4].view(np.int32)[0] == 2 and list(data[4:12].view(np.float32)) == [-1.0, 6.0]


def test_grid_and_constants_are_in_the_pipeline_key():
    need_backend("vulkan")
    from gpu_infer.backends.vulkan.runtime import get_runtime
    from gpu_infer.scheduler import probe_all
    rt = get_runtime(probe_all()["vulkan"])
    a = rt.pipeline("binary", "i32", "sss", 88, (8, 8, 1))
    assert a is rt.pipeline("binary", "i32", "sss", 88, (8, 8)) and a is not rt.pipeline("binary", "i32", "sss", 88, 8)
    assert rt.pipeline("binary", "i32", "sss", 88, 8, (3,)) is not rt.pipeline("binary", "i32", "sss", 88, 8)


def test_has_variant_looks_for_the_shipped_spirv():
    from gpu_infer.backends.vulkan.execution import has_variant
    assert has_variant("raster", "b4") and not has_variant("raster", "b3")
