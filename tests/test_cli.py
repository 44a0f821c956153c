"""The gpu-infer command, driven in-process."""
from __future__ import annotations

import json

import numpy as np
import pytest

import gpu_infer
from gpu_infer.cli import main
from helpers import CLS_MODEL


def test_devices_lists_every_backend_and_precision(capsys):
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    for word in ("cpu:", "opencl:", "vulkan:", "fp32", "fp16-storage", "fp16-arith"):
        assert word in out


def test_devices_json(capsys):
    assert main(["devices", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["backend"] for d in data} == {"cpu", "opencl", "vulkan"}


def test_run_default_model_needs_no_argument(capsys):
    assert main(["run", "--repeat", "1", "--show-placement"]) == 0
    out = capsys.readouterr().out
    assert "ch_ppocr_mobile_v2.0_cls_infer.onnx" in out
    assert "output save_infer_model/scale_0.tmp_1: (1, 2) float32" in out
    assert "placement:" in out and "memory: planned" in out


def test_run_with_npy_input_and_save(tmp_path, capsys):
    x = np.random.default_rng(0).standard_normal((2, 3, 48, 100)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(CLS_MODEL), "--backend", "cpu", "--input", f"x={tmp_path / 'x.npy'}",
                 "--repeat", "0", "--save", str(tmp_path / "out.npz")]) == 0
    saved = np.load(tmp_path / "out.npz")
    (want,) = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu").run(None, {"x": x})
    np.testing.assert_array_equal(saved[saved.files[0]], want)


def test_bench_json_has_ratio_inputs(capsys):
    assert main(["bench", "--backends", "cpu", "--runs", "2", "--warmup", "0", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [r["backend"] for r in data["results"]]
    assert "cpu" in names and "onnxruntime" in names
    cpu = next(r for r in data["results"] if r["backend"] == "cpu")
    assert cpu["median_ms"] > 0 and cpu["per_node_ms"] and cpu["max_abs_diff_vs_reference"] < 1e-4


def test_convert_roundtrip_with_fp16_weights(tmp_path, capsys):
    out = tmp_path / "cls.gim"
    assert main(["convert", str(CLS_MODEL), str(out), "--fp16-weights"]) == 0
    assert "after optimization" in capsys.readouterr().out
    x = np.random.default_rng(3).standard_normal((1, 3, 48, 192)).astype(np.float32)
    (want,) = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu").run(None, {"x": x})
    (got,) = gpu_infer.InferenceSession(str(out), backend="cpu").run(None, {"x": x})
    np.testing.assert_allclose(got, want, atol=2e-2)


def test_bad_model_is_a_clean_error(tmp_path, capsys):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"garbage")
    assert main(["run", str(bad)]) == 2
    assert "ModelLoadError" in capsys.readouterr().err
