"""The gpu-infer command: devices, run, check, bench, convert."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import numpy as np

from .errors import GpuInferError, OptionError
from .feeds import DEFAULT_SHAPES, check_names, default_model_path, make_feeds, parse_inputs, parse_shapes
from .output_files import check_output_path, writing


def _model_shapes_files(args) -> tuple[str, dict[str, tuple[int, ...]], dict[str, str]]:
    """The model, the --shape shapes (the default model's natural shapes where not given) and the
    --input files."""
    shapes, files = parse_shapes(args.shape), parse_inputs(args.input)
    if args.model:
        return args.model, shapes, files
    defaults = {k: v for k, v in DEFAULT_SHAPES.items() if k not in files}
    return str(default_model_path()), {**defaults, **shapes}, files


def _count(minimum: int):
    """argparse type: an int >= minimum, refused in argparse's own style otherwise."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    parse.__name__ = f"int >= {minimum}"
    return parse


def cmd_devices(args) -> int:
    from .devices import format_devices, list_devices
    statuses = list_devices()
    if args.json:
        from dataclasses import asdict
        print(json.dumps([asdict(s) for s in statuses], indent=2, default=str))
    else:
        print(format_devices(statuses))
    return 0


def cmd_run(args) -> int:
    from .session import InferenceSession
    model, shapes, files = _model_shapes_files(args)
    if args.save:
        check_output_path(args.save, "--save")
    t0 = time.perf_counter()
    sess = InferenceSession(model, backend=args.backend, precision=args.precision, strict=args.strict)
    feeds = make_feeds(sess.get_inputs(), shapes, files, args.seed)
    outputs = sess.run(None, feeds)
    prepared = time.perf_counter() - t0
    times = []
    for _ in range(args.repeat):
        t1 = time.perf_counter()
        outputs = sess.run(None, feeds)
        times.append((time.perf_counter() - t1) * 1e3)
    print(f"model: {model}")
    level = args.precision if sess.resolved_precision == args.precision else \
        f"{args.precision} -> {sess.resolved_precision}"
    print(f"backend: {sess.backend_name} (precision {level}{', strict' if args.strict else ''})")
    for name, arr in feeds.items():
        print(f"input  {name}: {arr.shape} {arr.dtype}")
    for arg, arr in zip(sess.get_outputs(), outputs):
        stats = (f" min {arr.min():.6g} max {arr.max():.6g} mean {arr.mean():.6g}"
                 if arr.size and arr.dtype.kind in "fiu" else "")
        print(f"output {arg.name}: {arr.shape} {arr.dtype}{stats}")
        if arr.size <= 16:
            print(f"       {np.array2string(arr.ravel(), precision=5)}")
    counts = Counter(b for _, _, b in sess.placement())
    print("placement: " + ", ".join(f"{n} node(s) on {b}" for b, n in counts.items())
          + f"; {len(sess.copies())} copy step(s)")
    mem = sess.memory_plan()
    print(f"memory: planned {mem.planned_bytes / 2**20:.2f} MiB for activations "
          f"(naive {mem.naive_bytes / 2**20:.2f} MiB), kernel scratch {mem.scratch_bytes / 2**20:.2f} MiB, "
          f"weights {mem.static_bytes / 2**20:.2f} MiB")
    median = sorted(times)[len(times) // 2] if times else float("nan")
    print(f"time: first run incl. pre-inference {prepared * 1e3:.1f} ms, then median {median:.2f} ms "
          f"over {len(times)} run(s)")
    if args.show_placement:
        for name, op, backend in sess.placement():
            print(f"  {backend:7s} {op:22s} {name}")
        for label in sess.copies():
            print(f"  {label}")
    if args.save:
        with writing(args.save, "--save"):
            np.savez(args.save, **{o.name: a for o, a in zip(sess.get_outputs(), outputs)})
    return 0


def cmd_bench(args) -> int:
    from .bench import bench_model, format_results, results_as_dicts
    from .session import InferenceSession
    model, shapes, files = _model_shapes_files(args)
    backends = [b for b in args.backends.split(",") if b]
    if not backends:
        raise OptionError(f"--backends {args.backends!r} names no backend (e.g. --backends cpu,opencl,vulkan)")
    probe = InferenceSession(model, backend="cpu")
    feeds = make_feeds(probe.get_inputs(), shapes, files, args.seed)
    results = bench_model(model, feeds, backends, args.precision,
                          args.runs, args.warmup, per_node=not args.no_per_node,
                          with_onnxruntime=not args.no_onnxruntime, progress=not args.json,
                          profile=args.profile, tune=args.tune or args.retune, retune=args.retune)
    if args.json:
        print(json.dumps({"model": model, "inputs": {k: list(v.shape) for k, v in feeds.items()},
                          "precision": args.precision, "results": results_as_dicts(results)}, indent=2))
    else:
        print(f"model: {model}; inputs: " + ", ".join(f"{k} {v.shape}" for k, v in feeds.items()))
        print(format_results(results, top=args.top or None))
    return 0


def cmd_check(args) -> int:
    """0: every node matches; 1: a node diverges (named on stdout)."""
    from .node_check import check
    from .session import InferenceSession
    model, shapes, files = _model_shapes_files(args)
    probe = InferenceSession(model, backend="cpu")
    feeds = make_feeds(probe.get_inputs(), shapes, files, args.seed)
    probe.close()
    report = check(model, feeds, backend=args.backend, precision=args.precision, rtol=args.rtol,
                   reference=args.reference)
    print(report.format())
    return 0 if report.ok else 1


def cmd_convert(args) -> int:
    from .frontend import graph_from_onnx, load_model, save_gim, specialize
    from .optimizer import optimize
    shapes = parse_shapes(args.shape)
    check_output_path(args.output, "OUTPUT")
    graph = graph_from_onnx(load_model(args.model))
    before = len(graph.nodes)
    check_names("--shape", shapes, [i.name for i in graph.inputs])
    if shapes:
        graph = specialize(graph, shapes)
    graph = optimize(graph)
    with writing(args.output, "OUTPUT"):
        save_gim(graph, args.output, fp16_weights=args.fp16_weights)
    print(f"{args.model}: {before} nodes -> {len(graph.nodes)} after optimization; wrote {args.output}"
          + (" (FP16 weights)" if args.fp16_weights else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gpu-infer", description="Run ONNX models on OpenCL / Vulkan GPUs.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("devices", help="every backend and precision, valid or invalid, with the reason")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_devices)

    def model_args(q: argparse.ArgumentParser) -> None:
        q.add_argument("model", nargs="?", help="ONNX / .gim file (default: the embedded cls model)")
        q.add_argument("--shape", action="append", default=[], help="NAME=D0,D1,... for dynamic inputs")
        q.add_argument("--input", action="append", default=[], help="NAME=FILE.npy (else random)")
        q.add_argument("--precision", default="fp32", help="fp32 | fp16 | auto | fp16-storage | fp16-arith")
        q.add_argument("--seed", type=_count(0), default=0, help="seed of the random inputs")

    r = sub.add_parser("run", help="run a model once on the best valid (or named) backend")
    model_args(r)
    r.add_argument("--backend", default="auto", help="auto | cpu | opencl | vulkan")
    r.add_argument("--strict", action="store_true", help="no fallback to the CPU backend")
    r.add_argument("--repeat", type=_count(1), default=5, help="timed runs after the first")
    r.add_argument("--show-placement", action="store_true", help="list each node's backend and every copy")
    r.add_argument("--save", help="write the outputs to this .npz")
    r.set_defaults(func=cmd_run)

    b = sub.add_parser("bench", help="latency per backend, per-node times, onnxruntime side by side")
    model_args(b)
    b.add_argument("--backends", default="cpu,opencl,vulkan")
    b.add_argument("--runs", type=_count(1), default=20)
    b.add_argument("--warmup", type=_count(0), default=3)
    b.add_argument("--json", action="store_true")
    b.add_argument("--no-per-node", action="store_true")
    b.add_argument("--no-onnxruntime", action="store_true")
    b.add_argument("--profile", action="store_true",
                   help="device time per step next to host time; per run: device, driver gaps, our host overhead")
    b.add_argument("--tune", action="store_true",
                   help="first measure every scheme of nodes that have a choice; record the fastest")
    b.add_argument("--retune", action="store_true", help="--tune, measuring again what is already tuned")
    b.add_argument("--top", type=_count(0), default=15, help="steps shown per table (0: all)")
    b.set_defaults(func=cmd_bench)

    k = sub.add_parser("check", help="run on a backend and on the CPU node by node; name the first node "
                                     "that diverges (exit status 1)")
    model_args(k)
    k.add_argument("--backend", default="opencl", help="opencl | vulkan | cpu")
    k.add_argument("--reference", default="cpu", help="the backend compared with (default cpu)")
    k.add_argument("--rtol", type=float, default=None,
                   help="tolerance relative to each tensor's scale (default: fp32 1e-4, fp16 2e-2)")
    k.set_defaults(func=cmd_check)

    c = sub.add_parser("convert", help="optimize a model and save it as a .gim file")
    c.add_argument("model")
    c.add_argument("output")
    c.add_argument("--fp16-weights", action="store_true", help="store float weights as float16")
    c.add_argument("--shape", action="append", default=[], help="fix input shapes before optimizing")
    c.set_defaults(func=cmd_convert)
    return p


def main(argv: list[str] | None = None) -> int:
    """Exit status 0, or 2 with one line on stderr for every error the user can fix (no traceback)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GpuInferError as exc:
        print(f"gpu-infer: error: {type(exc).__name__}: {exc}", file=sys.stderr)
    except OSError as exc:        # last resort: a file the checks above did not foresee
        print(f"gpu-infer: error: {type(exc).__name__}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("gpu-infer: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
