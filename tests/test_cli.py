"""The gpu-infer command, driven in-process."""
from __future__ import annotations

import json
import re
import subprocess
import sys

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
                 "--repeat", "1", "--save", str(tmp_path / "out.npz")]) == 0
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


# --- every mistake on the command line: one clean line, exit status 2, no traceback ------------------
def _files(tmp_path):
    """Argument files for the bad cases: a dynamic model, a text file, .npy files that do not fit."""
    from onnx import TensorProto, helper, save
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "dyn.onnx")
    (tmp_path / "notanpy.txt").write_text("hello")
    np.save(tmp_path / "f64.npy", np.zeros((1, 3, 48, 192)))
    np.save(tmp_path / "small.npy", np.zeros((1, 3), np.float32))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "truncated.npy").write_bytes((tmp_path / "small.npy").read_bytes()[:-4])
    (tmp_path / "folder").mkdir()
    return tmp_path


BAD_CASES = [   # (arguments, words the error line must hold); {t} is the folder of _files
    (["run", "--input", "x={t}/missing.npy"], "InputError: --input x=.*missing.npy: file not found"),
    (["run", "--input", "x={t}/notanpy.txt"], "not a .npy file"),
    (["run", "--input", "x={t}/objects.npy"], "holds Python objects"),
    (["run", "--input", "x={t}/truncated.npy"], "unreadable .npy file"),
    (["run", "--input", "x={t}/folder"], "is a folder"),
    (["run", "--input", "x={t}/f64.npy"], "dtype float64, the model expects float32"),
    (["run", "--input", "x={t}/small.npy"], "rank 2"),
    (["run", "--input", "x"], "expected NAME=FILE.npy"),
    (["run", "--shape", "y=1,3,48,192"], "--shape names 'y', which the model does not have; its inputs are 'x'"),
    (["run", "--input", "image={t}/small.npy"], "--input names 'image'.*its inputs are 'x'"),
    (["run", "--shape", "x=1,-3,48,192"], "cannot be negative"),
    (["run", "--shape", "x=1,3,a"], "bad --shape"),
    (["run", "--shape", "x=1,3,48,192", "--input", "x={t}/small.npy"], "both --shape and --input"),
    (["run", "--shape", "x=100000,3,48000,19200"], "DeviceError: input 'x' of shape .* more than host memory"),
    (["run", "{t}/dyn.onnx"], r"input 'x' has shape \['N', 4\], dynamic in dimension\(s\) 0: pass --shape x=D0,4"),
    (["run", "{t}"], "ModelLoadError: model file .*: a directory, not a regular file"),
    (["run", "{t}/missing.onnx"], "ModelLoadError: model file .*: file not found"),
    (["run", "{t}/notanpy.txt"], "ModelLoadError"),
    (["run", "--backend", "cpu", "--precision", "fp16"], "precision fp16 .* is invalid on cpu"),
    (["run", "--backend", "cuda"], "unknown backend 'cuda'"),
    (["run", "--precision", "int4"], "unknown precision 'int4'"),
    (["run", "--save", "{t}/missing/out.npz"], "--save: cannot write .* folder .* does not exist"),
    (["run", "--save", "{t}/folder"], "is a folder, not a file"),
    (["bench", "--backends", ","], "names no backend"),
    (["bench", "{t}/dyn.onnx", "--no-onnxruntime"], "pass --shape x=D0,4"),
    (["convert", str(CLS_MODEL), "{t}/missing/out.gim"], "OUTPUT: cannot write .* does not exist"),
    (["convert", str(CLS_MODEL), "{t}/out.gim", "--shape", "y=1,3,48,192"], "--shape names 'y'.*inputs are 'x'"),
    (["convert", "{t}/missing.onnx", "{t}/out.gim"], "ModelLoadError"),
]


@pytest.mark.parametrize("argv, message", BAD_CASES, ids=[" ".join(a)[:60] for a, _ in BAD_CASES])
def test_bad_arguments_are_one_clean_line(tmp_path, capsys, argv, message):
    t = _files(tmp_path)
    assert main([a.format(t=t) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gpu-infer: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err


@pytest.mark.parametrize("argv, message", [
    (["run", "--repeat", "0"], "argument --repeat: must be >= 1, got 0"),
    (["bench", "--runs", "0"], "argument --runs: must be >= 1, got 0"),
    (["bench", "--warmup", "-1"], "argument --warmup: must be >= 0, got -1"),
    (["run", "--seed", "-1"], "argument --seed: must be >= 0, got -1"),
    (["run", "--seed", "abc"], "argument --seed: invalid int value: 'abc'"),
])
def test_counts_are_checked_in_argparse_style(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_dynamic_model_runs_with_shape(tmp_path, capsys):
    t = _files(tmp_path)
    assert main(["run", str(t / "dyn.onnx"), "--shape", "x=3,4", "--repeat", "1"]) == 0
    assert "output y: (3, 4) float32" in capsys.readouterr().out


def test_no_traceback_reaches_stderr(tmp_path):
    """The bad cases through a real interpreter: stderr holds only the error lines."""
    t = _files(tmp_path)
    cases = [[a.format(t=t) for a in argv] for argv, _ in BAD_CASES]
    cases += [["run", "--repeat", "0"], ["run", "--seed", "-1"]]
    driver = ("import sys, json\nfrom gpu_infer.cli import main\ncodes = []\n"
              "for argv in json.loads(sys.argv[1]):\n"
              "    try:\n        codes.append(main(argv))\n"
              "    except SystemExit as exc:\n        codes.append(exc.code)\n"
              "print(json.dumps(codes))\n")
    proc = subprocess.run([sys.executable, "-c", driver, json.dumps(cases)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0 and json.loads(proc.stdout.splitlines()[-1]) == [2] * len(cases)
