"""Real models strict on the GPU backends (no CPU fallback) against onnxruntime: the PaddleOCR
classifier and detector, and onnx's light_* models, at FP32 (1e-3 relative) and FP16 (3e-2).

onnx's light_* models have every weight 0.02, so most of them carry activations far past float16's
range (AlexNet's logits are 3.7e12): at FP16 the nodes that read or write values beyond half of it
are pinned to FP32 (`fp32_nodes`, the per-layer override a user gives such a model), found from
onnxruntime's intermediate tensors; the rest run with FP16 storage.

Compared as tests/test_models.py does: on the logits before an ill-conditioned final Softmax
(and the probabilities within what the logits' error allows), and on the detector's logits
before its final Sigmoid (and the map within a quarter of their error: the sigmoid's slope is
at most 1/4). onnxruntime's results are computed once per model and input, for every backend
and precision. A backend whose device is invalid here skips (conftest.py; GPU_INFER_REQUIRE
makes that a failure).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np
import onnx
import pytest

import gpu_infer
from gpu_infer.backends.vulkan.texel import enabled_by_env
from helpers import CLS_MODEL, DET_MODEL, rel_err, text_image
from test_models import LIGHT_MODELS, softmax_bound, with_softmax_logits

GPU_BACKENDS = ["opencl", "vulkan"]
TOLERANCE = {"fp32": 1e-3, "fp16": 3e-2}
DET_LOGITS = "p2o.Add.281"          # the detector's map before its final Sigmoid
FP16_SAFE = 2.0 ** 15               # nodes reading or writing larger magnitudes run in FP32 at FP16

gpu = pytest.mark.parametrize("backend", GPU_BACKENDS)
precisions = pytest.mark.parametrize("precision", list(TOLERANCE))


def light_feeds(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    inits = {i.name for i in model.graph.initializer}
    return {i.name: rng.random([d.dim_value for d in i.type.tensor_type.shape.dim], dtype=np.float32)
            for i in model.graph.input if i.name not in inits}


@dataclass(frozen=True)
class Reference:
    model: bytes                     # with the logits as an extra output
    feeds: dict[str, np.ndarray]
    want: dict[str, np.ndarray]      # onnxruntime's outputs by name
    fp16_overflows: frozenset[str]   # the nodes pinned to FP32 at FP16


@functools.lru_cache(maxsize=None)
def reference(key: str, shape: tuple[int, ...] = ()) -> Reference:
    """A model's reference: "cls" and "det" at input `shape`, else a light_* model's path."""
    import onnxruntime as ort
    if key == "det":
        model = onnx.load(DET_MODEL)
        model.graph.output.append(onnx.helper.make_tensor_value_info(DET_LOGITS, onnx.TensorProto.FLOAT,
                                                                     ["n", "c", "h", "w"]))
        feeds = {"x": text_image(*shape[2:])}
    else:
        model, _ = with_softmax_logits(onnx.load(CLS_MODEL if key == "cls" else key))
        feeds = ({"x": np.random.default_rng(0).standard_normal(shape).astype(np.float32)} if key == "cls"
                 else light_feeds(model))
    outputs = [o.name for o in model.graph.output]
    probed = onnx.ModelProto()
    probed.CopyFrom(model)
    computed = [n for n in model.graph.node if n.op_type not in ("Constant", "ConstantOfShape")]
    inner = list(dict.fromkeys(t for n in computed for t in n.output if t and t not in outputs))
    probed.graph.output.extend(onnx.helper.make_empty_tensor_value_info(t) for t in inner)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(probed.SerializeToString(), so, providers=["CPUExecutionProvider"])
    values = dict(zip(outputs + inner, sess.run(None, feeds)))
    values.update(feeds)
    big = {t for t, v in values.items() if v.dtype == np.float32 and v.size and np.max(np.abs(v)) > FP16_SAFE}
    overflows = frozenset(n.name for n in computed if big.intersection(n.input) or big.intersection(n.output))
    return Reference(model.SerializeToString(), feeds, {t: values[t] for t in outputs}, overflows)


def run_strict(ref: Reference, backend: str, precision: str) -> dict[str, np.ndarray]:
    pinned = ref.fp16_overflows if precision != "fp32" else ()
    with gpu_infer.InferenceSession(ref.model, backend=backend, precision=precision, strict=True,
                                    fp32_nodes=pinned) as sess:
        return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, ref.feeds)))


def check_softmax_model(key: str, backend: str, precision: str, shape: tuple[int, ...] = ()) -> None:
    ref = reference(key, shape)
    want, got = ref.want, run_strict(ref, backend, precision)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].shape == want[name].shape, name
    model = onnx.load_from_string(ref.model)
    final = [n for n in model.graph.node if n.op_type == "Softmax" and n.output[0] == model.graph.output[0].name]
    if not final:
        for name in want:
            assert rel_err(got[name], want[name]) < TOLERANCE[precision], name
        return
    logits, probs = final[0].input[0], final[0].output[0]
    assert rel_err(got[logits], want[logits]) < TOLERANCE[precision]
    logit_error = float(np.max(np.abs(got[logits].astype(np.float64) - want[logits])))
    assert np.max(np.abs(got[probs] - want[probs])) <= softmax_bound(want[probs], logit_error)


@gpu
@precisions
@pytest.mark.parametrize("shape", [(1, 3, 48, 192), (3, 3, 48, 320)])
def test_cls_strict_on_gpu(backend, precision, shape):
    check_softmax_model("cls", backend, precision, shape)


def check_det(backend: str, precision: str, shape: tuple[int, ...]) -> None:
    ref = reference("det", shape)
    want, got = ref.want, run_strict(ref, backend, precision)
    probs = next(k for k in want if k != DET_LOGITS)
    assert got[probs].shape == want[probs].shape == (1, 1) + shape[2:]
    assert want[probs].max() > 0.9                    # the page has text: the map is not trivial
    assert rel_err(got[DET_LOGITS], want[DET_LOGITS]) < TOLERANCE[precision]
    logit_error = float(np.max(np.abs(got[DET_LOGITS].astype(np.float64) - want[DET_LOGITS])))
    assert np.max(np.abs(got[probs] - want[probs])) <= logit_error / 4 + 1e-6


@gpu
@precisions
def test_det_strict_on_gpu(backend, precision):
    check_det(backend, precision, (1, 3, 320, 256))


@pytest.mark.slow
@gpu
@precisions
def test_det_640_strict_on_gpu(backend, precision):
    check_det(backend, precision, (1, 3, 640, 640))


# fully-connected weights larger than one storage buffer may be on lavapipe (maxStorageBufferRange
# 128 MiB): the GEMM reads them through texel buffers (vulkan/texel.py, up to maxTexelBufferElements);
# with texel reads off (GPU_INFER_VK_TEXEL=0) Vulkan refuses them with a DeviceError naming the limit
VK_ONE_BUFFER_TOO_SMALL = {"light_bvlc_alexnet", "light_vgg19", "light_zfnet512"}
VK_TEXEL_OFF = not enabled_by_env()


def light_params():
    """(backend, path) pairs; vgg19 is slow: preparing its 550 MB of weights takes about 10 s a
    session on PoCL."""
    for backend in GPU_BACKENDS:
        for path in LIGHT_MODELS:
            name = os.path.basename(path)[:-5]
            marks = [pytest.mark.slow] if name == "light_vgg19" else []
            if backend == "vulkan" and name in VK_ONE_BUFFER_TOO_SMALL and VK_TEXEL_OFF:
                marks.append(pytest.mark.xfail(raises=gpu_infer.errors.DeviceError, strict=False,
                                               reason="a weight beyond the device's largest storage buffer"))
            yield pytest.param(backend, path, id=f"{backend}-{name}", marks=marks)


@precisions
@pytest.mark.parametrize(("backend", "path"), list(light_params()))
def test_light_model_strict_on_gpu(backend, precision, path):
    check_softmax_model(path, backend, precision)
