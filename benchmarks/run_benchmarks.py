"""Benchmark the shipped models on every valid backend and onnxruntime, in one process.

    python benchmarks/run_benchmarks.py [--runs 20] [--out benchmarks/RESULTS.md]

Writes a Markdown table of medians and ratios to onnxruntime measured in the same
run (bare seconds are not comparable across machines; ratios are), plus the JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

from gpu_infer.bench import bench_model, results_as_dicts
from gpu_infer.devices import list_devices
from gpu_infer.feeds import default_model_path, make_feeds
from gpu_infer.session import InferenceSession

ROOT = Path(__file__).parent.parent
MODELS = [("cls", default_model_path(), {"x": (1, 3, 48, 192)}),
          ("det", ROOT / "tests" / "data" / "models" / "ch_PP-OCRv4_det_infer.onnx", {"x": (1, 3, 640, 640)})]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--out", default=str(Path(__file__).parent / "RESULTS.md"))
    args = ap.parse_args()
    statuses = list_devices()
    backends = [s.backend for s in statuses if s.valid]
    device_names = {s.backend: (s.device.name if s.device else "host NumPy") for s in statuses if s.valid}
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {platform.processor() or platform.system()}; "
             f"devices: " + "; ".join(f"{b}: {n}" for b, n in device_names.items()), "",
             "Ratios are our median latency over onnxruntime's (CPU provider) measured in the same run.",
             f"This machine has {os.cpu_count()} CPU(s); on a small shared VM the ratios move by a third",
             "between runs, so compare rows of one file, not files.",
             "A GPU backend that lacks an op falls back to the CPU backend per node ('nodes on backend').",
             "The OpenCL and Vulkan backends are still walking skeletons (Add and Relu only), so their rows",
             "measure the fallback and copy overhead of a mixed plan, not GPU kernels; on CPU-emulated",
             "devices (PoCL, lavapipe) the NumPy backend is the one `backend=\"auto\"` picks.", ""]
    blob = {}
    for label, path, shapes in MODELS:
        feeds, _ = make_feeds(InferenceSession(str(path), backend="cpu").get_inputs(), shapes, {})
        results = bench_model(str(path), feeds, backends, args.precision, args.runs, 2,
                              per_node=False, with_onnxruntime=True, progress=True)
        blob[label] = results_as_dicts(results)
        ort = next((r for r in results if r.backend == "onnxruntime"), None)
        lines += [f"## {label} {tuple(next(iter(shapes.values())))} ({args.precision})", "",
                  "| backend | median ms | ratio vs onnxruntime | nodes on backend | copies | arena MiB | naive MiB "
                  "| scratch MiB |", "|---|---|---|---|---|---|---|---|"]
        for r in results:
            if r.error:
                lines.append(f"| {r.backend} | error: {r.error} | | | | | | |")
                continue
            ratio = f"{r.median_ms / ort.median_ms:.2f}x" if ort and r is not ort else "1.00x"
            mib = (lambda b: f"{b / 2**20:.2f}" if b is not None else "-")
            here = f"{r.nodes_on_backend}/{r.nodes_total}" if r.nodes_total is not None else "-"
            lines.append(f"| {r.backend} | {r.median_ms:.2f} | {ratio} | {here} | "
                         f"{r.copies if r.copies is not None else '-'} | {mib(r.planned_bytes)} | {mib(r.naive_bytes)} "
                         f"| {mib(r.scratch_bytes)} |")
        lines.append("")
    Path(args.out).write_text("\n".join(lines) + "\n")
    Path(args.out).with_suffix(".json").write_text(json.dumps(blob, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
