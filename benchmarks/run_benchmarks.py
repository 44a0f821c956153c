"""Benchmark the shipped models on every valid backend against onnxruntime.

    python benchmarks/run_benchmarks.py [--runs 20] [--out benchmarks/RESULTS.md]

Each backend is measured in a process of its own (`gpu-infer bench --json`), side by
side with onnxruntime in that same process: CPU-emulated devices (PoCL, lavapipe) keep
worker threads that would tax the other rows on a small machine. Writes a Markdown
table of medians and ratios (bare seconds are not comparable across machines; ratios
measured in one run are), plus the JSON.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from results_file import write_keeping_others

from gpu_infer.devices import list_devices
from gpu_infer.feeds import default_model_path

ROOT = Path(__file__).parent.parent
WHOLLY_ON = {"opencl"}        # backends that must run every node of both models
MODELS = [("cls", default_model_path(), {"x": (1, 3, 48, 192)}),
          ("det", ROOT / "tests" / "data" / "models" / "ch_PP-OCRv4_det_infer.onnx", {"x": (1, 3, 640, 640)})]


def _bench_in_subprocess(path: Path, shapes: dict[str, tuple[int, ...]], backend: str, runs: int,
                         precision: str) -> tuple[dict, dict]:
    """(onnxruntime, backend) result dicts of one `gpu-infer bench --json` process."""
    cmd = [sys.executable, "-c", "import sys; from gpu_infer.cli import main; sys.exit(main())", "bench",
           str(path), "--backends", backend, "--runs", str(runs), "--precision", precision, "--json",
           "--no-per-node"] + [a for k, v in shapes.items() for a in ("--shape", f"{k}={','.join(map(str, v))}")]
    print(f"{path.name}: {backend} ...", file=sys.stderr)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    results = {r["backend"]: r for r in json.loads(done.stdout)["results"]}
    return results["onnxruntime"], results[backend]


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
             f"Measured {datetime.date.today().isoformat()}. "
             f"Machine: {platform.machine()}, {platform.processor() or platform.system()}; "
             f"devices: " + "; ".join(f"{b}: {n}" for b, n in device_names.items()), "",
             "Each backend runs in a process of its own next to onnxruntime (CPU provider); the ratio is",
             "our median latency over onnxruntime's median in that same process.",
             f"This machine has {os.cpu_count()} CPU(s); on a small shared VM the ratios move by a third",
             "between runs, so compare rows of one file, not files.",
             "A GPU backend that lacks an op falls back to the CPU backend per node ('nodes on backend').",
             "OpenCL and Vulkan run every node of both models (the script fails if an OpenCL row shows a",
             "fallback), so their rows time GPU kernels only (PoCL and lavapipe here: the CPU's two cores",
             "through OpenCL C and through LLVM-compiled SPIR-V). On CPU-emulated devices (PoCL, lavapipe)",
             "`backend=\"auto\"` picks the NumPy backend.", ""]
    blob = {}
    for label, path, shapes in MODELS:
        lines += [f"## {label} {tuple(next(iter(shapes.values())))} ({args.precision})", "",
                  "| backend | median ms | onnxruntime ms, same process | ratio | nodes on backend | copies "
                  "| arena MiB | naive MiB | scratch MiB |", "|---|---|---|---|---|---|---|---|---|"]
        blob[label] = {}
        for backend in backends:
            ort, ours = _bench_in_subprocess(path, shapes, backend, args.runs, args.precision)
            blob[label][backend] = [ort, ours]
            if ours.get("error"):
                lines.append(f"| {backend} | error: {ours['error']} | | | | | | | |")
                continue
            if backend in WHOLLY_ON and ours["nodes_on_backend"] != ours["nodes_total"]:
                sys.exit(f"{label} on {backend}: {ours['nodes_on_backend']}/{ours['nodes_total']} nodes, "
                         "expected every node there (strict)")
            mib = (lambda b: f"{b / 2**20:.2f}" if b is not None else "-")
            lines.append(f"| {backend} | {ours['median_ms']:.2f} | {ort['median_ms']:.2f} | "
                         f"{ours['median_ms'] / ort['median_ms']:.2f}x | "
                         f"{ours['nodes_on_backend']}/{ours['nodes_total']} | {ours['copies']} | "
                         f"{mib(ours['planned_bytes'])} | {mib(ours['naive_bytes'])} | {mib(ours['scratch_bytes'])} |")
        lines.append("")
    write_keeping_others(Path(args.out), "\n".join(lines) + "\n")  # first_plan.py's, ncnn_vulkan.py's stay
    Path(args.out).with_suffix(".json").write_text(json.dumps(blob, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
