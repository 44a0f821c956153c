"""benchmarks/ncnn_vulkan.py without ncnn: the error measure, the table's ratios and verdicts, its
RESULTS.md section kept by the other scripts, and a whole model timed with ncnn absent."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))

import ncnn_engine  # noqa: E402
import ncnn_vulkan as nv  # noqa: E402
from results_file import FIRST_PLAN, NCNN_VULKAN, put_section, split_sections, write_keeping_others  # noqa: E402

from gpu_infer.bench import BackendTiming  # noqa: E402


def row(engine: str, precision: str, median: float | None, err: float | None = None, error: str | None = None):
    t = BackendTiming(engine, median_ms=median, min_ms=median, max_ms=median, runs=1 if median else 0, error=error)
    return nv.Row(engine, precision, t, relative_error=err)


def test_relative_error_is_scaled_by_the_reference_and_infinite_for_another_shape():
    ref = np.array([[-4.0, 2.0]], np.float32)
    assert nv.relative_error(ref + np.float32(0.04), ref) == pytest.approx(0.01)
    assert nv.relative_error(ref.reshape(2, 1), ref) == float("inf")
    assert nv.relative_error(np.zeros(3, np.float32), np.zeros(3, np.float32)) == 0.0


def test_table_gives_ratios_against_ncnn_at_the_same_precision_and_onnxruntime():
    rows = [row(nv.ORT, "fp32", 2.0), row(nv.OURS, "fp32", 50.0, 1e-6), row(nv.OURS, "fp16", 60.0, 0.5),
            row(nv.NCNN, "fp32", 100.0, 2e-4), row(nv.NCNN, "fp16", 80.0, 1e-3)]
    lines = {tuple(c.strip() for c in line.strip("|").split("|")[:2]): line for line in
             nv.format_table(rows).splitlines()[2:]}
    ours32, ours16 = lines[(nv.OURS, "fp32")], lines[(nv.OURS, "fp16")]
    assert "| 0.50x | 25.00x | 1.0e-06 ok |" in ours32
    assert "| 0.75x | 30.00x |" in ours16 and "MISMATCH (tolerance 3e-02)" in ours16
    assert "|  | 50.00x | 2.0e-04 ok |" in lines[(nv.NCNN, "fp32")]
    assert "(the reference)" in lines[(nv.ORT, "fp32")]


def test_table_shows_an_engine_that_did_not_run_and_no_ratio_against_it():
    rows = [row(nv.ORT, "fp32", 2.0), row(nv.OURS, "fp32", 50.0, 1e-6),
            row(nv.NCNN, "fp32", None, error="not measured: ncnn not installed")]
    table = nv.format_table(rows)
    assert "| ncnn Vulkan | fp32 | not measured: ncnn not installed |" in table
    assert "| - | 25.00x |" in table


def test_the_section_replaces_its_own_and_survives_run_benchmarks(tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text(f"# Benchmark results\n\n## cls\nold table\n\n{FIRST_PLAN}\nfirst\n")
    put_section(out, nv.section({"cls 1x3x48x192": "| t |\n"}, ["how"]))
    put_section(out, nv.section({"cls 1x3x48x192": "| t2 |\n"}, ["how"]))
    write_keeping_others(out, "# Benchmark results\n\n## cls\nnew table\n")
    head, sections = split_sections(out.read_text())
    assert list(sections) == ["## cls", FIRST_PLAN, NCNN_VULKAN]
    assert "### cls 1x3x48x192" in sections[NCNN_VULKAN] and "| t2 |" in sections[NCNN_VULKAN]
    assert "new table" in sections["## cls"]


def test_without_ncnn_the_model_is_still_timed_against_onnxruntime(tmp_path, monkeypatch):
    monkeypatch.setattr(ncnn_engine, "missing", lambda: ["ncnn", "pnnx"])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "relu",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])])
    path = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    rows = nv.bench_model(path, (1, 3, 4, 4), runs=2, our_fp16="fp16-storage", ncnn_device=None)
    by = {(r.engine, r.precision): r for r in rows}
    assert by[(nv.ORT, "fp32")].timing.runs == 2
    for precision in ("fp32", "fp16"):
        ncnn = by[(nv.NCNN, precision)]
        assert not ncnn.ok and "ncnn and pnnx not installed" in ncnn.timing.error
        ours = by[(nv.OURS, precision)]       # timed and correct on a Vulkan device, else its error
        assert (ours.ok and ours.matches) or ours.timing.error


def test_the_text_page_is_a_deterministic_normalized_image_of_the_asked_shape():
    page = nv.text_page((1, 3, 48, 192))
    assert page.shape == (1, 3, 48, 192) and page.dtype == np.float32
    np.testing.assert_array_equal(page, nv.text_page((1, 3, 48, 192)))
    assert page.min() < -1.5 and page.max() > 1.5          # dark strokes and light page, normalized
