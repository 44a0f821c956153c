"""Our Vulkan backend against ncnn's Vulkan path on the same device and onnxruntime's CPU, timed
in one run.

    python benchmarks/ncnn_vulkan.py [--runs N] [--models cls,det] [--out benchmarks/RESULTS.md]

Engines, per model: gpu_infer on Vulkan, strict (every node on Vulkan), at FP32 and FP16; ncnn
(PyPI `ncnn`, the model converted from the same ONNX file by PyPI `pnnx`, cached in the user
cache folder) on the Vulkan device of the same name, at FP32 (fp16, bf16 and int8 switches all
off) and FP16 (`use_fp16_packed/storage/arithmetic` on); onnxruntime's CPU provider. Each
engine's output is checked against onnxruntime's (scale-relative error) so that a wrong
conversion or kernel is named in the table rather than timed. Engines alternate in blocks as in
`gpu-infer bench`, with a pause at each switch (onnxruntime's threads spin after a run).
Without ncnn or pnnx the ncnn rows say so and the others are still timed.
Writes its section of RESULTS.md (other sections stay) and `ncnn_vulkan.json` beside it.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

import ncnn_engine
from results_file import NCNN_VULKAN, put_section
from run_benchmarks import MODELS

from gpu_infer.bench import BackendTiming, time_in_blocks
from gpu_infer.devices import list_devices

OURS, NCNN, ORT = "gpu_infer Vulkan", "ncnn Vulkan", "onnxruntime CPU"
TOLERANCE = {"fp32": 1e-3, "fp16": 3e-2}        # scale-relative error against onnxruntime
DEFAULT_RUNS = {"cls": 20, "det": 3}


@dataclass
class Row:
    engine: str                     # OURS, NCNN or ORT
    precision: str                  # "fp32" | "fp16"
    timing: BackendTiming
    relative_error: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.timing.error is None and self.timing.median_ms is not None

    @property
    def matches(self) -> bool:
        return self.relative_error is not None and self.relative_error <= TOLERANCE[self.precision]


def relative_error(out: np.ndarray, ref: np.ndarray) -> float:
    """max |out - ref| over the reference's largest magnitude (not bit-exact: FP16 rows, other
    summation orders)."""
    if out.shape != ref.shape:
        return float("inf")
    scale = float(np.max(np.abs(ref))) or 1.0
    return float(np.max(np.abs(out.astype(np.float64) - ref))) / scale


def ratio(row: Row | None, base: Row | None) -> str:
    if row is None or base is None or not row.ok or not base.ok:
        return "-"
    return f"{row.timing.median_ms / base.timing.median_ms:.2f}x"


def find(rows: list[Row], engine: str, precision: str) -> Row | None:
    return next((r for r in rows if r.engine == engine and r.precision == precision), None)


def check_cell(row: Row) -> str:
    if row.engine == ORT:
        return "(the reference)"
    if row.relative_error is None:
        return "-"
    verdict = "ok" if row.matches else f"MISMATCH (tolerance {TOLERANCE[row.precision]:.0e})"
    return f"{row.relative_error:.1e} {verdict}"


def format_table(rows: list[Row]) -> str:
    """One model's Markdown table: medians, the ratios, the check against onnxruntime."""
    ort = find(rows, ORT, "fp32")
    lines = ["| engine | precision | median ms | min ms | max ms | ours / ncnn | / onnxruntime "
             "| error vs onnxruntime |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if not r.ok:
            lines.append(f"| {r.engine} | {r.precision} | {r.timing.error or 'not timed'} | | | | | |")
            continue
        t = r.timing
        vs_ncnn = ratio(r, find(rows, NCNN, r.precision)) if r.engine == OURS else ""
        lines.append(f"| {r.engine} | {r.precision} | {t.median_ms:.2f} | {t.min_ms:.2f} | {t.max_ms:.2f} | "
                     f"{vs_ncnn} | {ratio(r, ort) if r is not ort else ''} | {check_cell(r)} |")
    notes = [f"{r.engine} {r.precision}: {n}" for r in rows for n in r.notes]
    return "\n".join(lines + ([""] + [f"- {n}" for n in notes] if notes else [])) + "\n"


def section(tables: dict[str, str], context: list[str]) -> str:
    """The RESULTS.md section: what was measured how, then one table per model."""
    lines = [NCNN_VULKAN, "", *context, ""]
    for title, table in tables.items():
        lines += [f"### {title}", "", table]
    return "\n".join(lines)


class Engines:
    """The rows of one model and the callables that time them; ncnn's nets are closed with it."""

    def __init__(self, path: Path, x: np.ndarray, ref: np.ndarray):
        self.path, self.x, self.ref = path, x, ref
        self.rows: list[Row] = []
        self.runners: list[tuple[BackendTiming, Callable[[], Any]]] = []
        self.nets: list[ncnn_engine.NcnnVulkan] = []

    def add(self, engine: str, precision: str, make: Callable[[], Callable[[], np.ndarray]]) -> Row:
        """Build the engine, run it once (its warm-up) and check its output; errors become the row's."""
        row = Row(engine, precision, BackendTiming(f"{engine} {precision}"))
        self.rows.append(row)
        try:
            run = make()
            row.relative_error = relative_error(run(), self.ref)
        except Exception as exc:          # any engine's failure is a row of the table, not the end of the run
            row.timing.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            return row
        self.runners.append((row.timing, run))
        return row

    def ours(self, precision: str, level: str) -> None:
        from gpu_infer import InferenceSession

        def make() -> Callable[[], np.ndarray]:
            sess = InferenceSession(str(self.path), backend="vulkan", precision=level, strict=True)
            feeds = {sess.get_inputs()[0].name: self.x}
            return lambda: sess.run(None, feeds)[0]
        self.add(OURS, precision, make)

    def ncnn(self, precision: str, device: int, param: Path, weights: Path) -> None:
        def make() -> Callable[[], np.ndarray]:
            net = ncnn_engine.NcnnVulkan(param, weights, device, precision == "fp16", self.ref.shape)
            self.nets.append(net)
            return lambda: net.run(self.x)
        self.add(NCNN, precision, make)

    def absent(self, precision: str, why: str) -> None:
        self.rows.append(Row(NCNN, precision, BackendTiming(f"{NCNN} {precision}", error=why)))

    def close(self) -> None:
        for net in self.nets:
            net.close()


def text_page(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """A synthetic N x 3 x H x W input like the OCR models' own: dark strokes of text-line height on
    a light noisy page, normalized as PaddleOCR does (ImageNet mean and std). Random normal data
    would do for timing but not for the check: it saturates the detector's sigmoid (its largest
    probability about 1e-3), where an error relative to the output's scale means nothing."""
    rng = np.random.default_rng(seed)
    n, _, h, w = shape
    page = np.full((n, h, w), 0.92, np.float32)
    line = max(2, h // 4) if h < 64 else 12
    for _ in range(max(1, h * w // 10000)):
        y, x = rng.integers(0, max(1, h - line)), rng.integers(0, max(1, w - w // 8))
        page[:, y:y + line, x:x + rng.integers(w // 16 + 1, w // 4 + 2)] = 0.08
    page += rng.normal(0, 0.03, page.shape).astype(np.float32)
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    return ((page[:, None] - mean[:, None, None]) / std[:, None, None]).astype(np.float32)


def bench_model(path: Path, shape: tuple[int, ...], runs: int, our_fp16: str, ncnn_device: int | None) -> list[Row]:
    import onnxruntime as ort
    x = text_page(shape)
    ort_sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {ort_sess.get_inputs()[0].name: x}
    ref = ort_sess.run(None, feeds)[0]
    engines = Engines(path, x, ref)
    engines.add(ORT, "fp32", lambda: lambda: ort_sess.run(None, feeds)[0])
    engines.ours("fp32", "fp32")
    engines.ours("fp16", our_fp16)
    converted: tuple[Path, Path] | None = None
    why = ncnn_absence(ncnn_device)
    if why is None:
        try:
            converted = ncnn_engine.convert(path, shape)
        except RuntimeError as exc:
            why = str(exc).splitlines()[0]
    for precision in ("fp32", "fp16"):
        if converted is None:
            engines.absent(precision, why)
        else:
            engines.ncnn(precision, ncnn_device, *converted)
    try:
        print(f"{path.name}: timing {len(engines.runners)} engines, {runs} runs each", file=sys.stderr)
        time_in_blocks(engines.runners, runs, warmup=0, progress=True)
    finally:
        engines.close()
    return engines.rows


def ncnn_absence(device: int | None) -> str | None:
    """Why the ncnn rows cannot run, or None."""
    if ncnn_engine.missing():
        absent = " and ".join(ncnn_engine.missing())
        return f"not measured: {absent} not installed (pip install -e '.[bench-ncnn]')"
    if device is None:
        return "not measured: ncnn finds no Vulkan device"
    return None


def context_lines(ours: str | None, ncnn: str | None, runs: dict[str, int], our_fp16: str) -> list[str]:
    import onnxruntime
    have_ncnn = not ncnn_engine.missing()
    versions = ", ".join(f"{k} {v}" for k, v in ncnn_engine.versions().items()) if have_ncnn else "ncnn absent"
    return [f"Measured {datetime.date.today().isoformat()} with `python benchmarks/ncnn_vulkan.py` on "
            f"{platform.machine()}, {os.cpu_count()} CPU(s). Our Vulkan device: {ours or 'none'}; ncnn's: "
            f"{ncnn or 'none'}. {versions}, onnxruntime {onnxruntime.__version__}.",
            "Medians of " + ", ".join(f"{m} {n}" for m, n in runs.items()) + " runs per engine, the engines "
            "alternating in blocks in one process. Ours: strict (every node on Vulkan); its fp16 row is "
            f"precision `{our_fp16}`. ncnn: fp32 with every fp16/bf16/int8 switch off, fp16 with "
            "`use_fp16_packed/storage/arithmetic` on; `opt.num_threads = "
            f"{ncnn_engine.NCNN_THREADS}`, `openmp_blocktime = 0` (its CPU threads only pack data on the "
            "Vulkan path; on lavapipe a spinning thread would take a core from the device). lavapipe's own "
            f"threads: LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS', 'unset (one per core)')}. "
            "onnxruntime: its defaults (one thread per core).",
            "'ours / ncnn' is our median over ncnn's at the same precision (under 1 is faster); "
            "'error vs onnxruntime' is max |out - ort| / max |ort| of the first output, on a synthetic "
            "text page (`text_page`: the detector finds text in it, the classifier a direction)."]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="cls,det")
    ap.add_argument("--runs", type=int, help=f"timed runs per engine (default {DEFAULT_RUNS})")
    ap.add_argument("--our-fp16", default="fp16-arith", choices=["fp16-arith", "fp16-storage"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "RESULTS.md"))
    args = ap.parse_args()
    vulkan = next(s for s in list_devices() if s.backend == "vulkan")
    ours = vulkan.devices[0].name if vulkan.valid and vulkan.devices else None
    ncnn_device = ncnn_name = None
    if not ncnn_engine.missing():
        names = ncnn_engine.vulkan_devices()
        if names:
            ncnn_device = ncnn_engine.device_index(ours)
            ncnn_name = names[ncnn_device]
    tables, blob, runs = {}, {}, {}
    try:
        for label, path, shapes in MODELS:
            if label not in args.models.split(","):
                continue
            shape = next(iter(shapes.values()))
            runs[label] = args.runs or DEFAULT_RUNS[label]
            rows = bench_model(path, shape, runs[label], args.our_fp16, ncnn_device)
            tables[f"{label} {'x'.join(map(str, shape))}"] = format_table(rows)
            blob[label] = [asdict(r) for r in rows]
    finally:
        if ncnn_device is not None:
            ncnn_engine.release()
    text = section(tables, context_lines(ours, ncnn_name, runs, args.our_fp16))
    print(text)
    out = Path(args.out)
    put_section(out, text)
    out.with_name("ncnn_vulkan.json").write_text(json.dumps(blob, indent=2))


if __name__ == "__main__":
    main()
