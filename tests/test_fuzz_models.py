"""Model fuzzing: a mutated model either runs on the CPU backend or raises a GpuInferError.

Each case mutates a base model (the shipped text-direction classifier or a small synthetic
model) at the byte level or through its ModelProto (tests/fuzz_mutations.py). Cases run in
worker subprocesses, many per process but one at a time and each announced before it starts,
so a hang (timeout) or an interpreter crash is blamed on the case that was running and a fresh
worker takes the rest.

Accepted outcomes: a GpuInferError subclass, or outputs. Outputs are compared with onnxruntime
(graph optimizations off) whenever it accepts the model: 1e-4 relative to the output's largest
finite magnitude, NaN and infinities in the same places. A difference counts only where
onnxruntime's optimized and unoptimized graphs agree to 1e-5 (else the case is ill-conditioned,
recorded, not failed); a model onnxruntime rejects but gpu_infer runs is recorded, not failed.

Deterministic (GPU_INFER_FUZZ_SEED, default 0). GPU_INFER_FUZZ_CASES sets how many cases run
(default 520, 20 per mutation kind, under a minute on two cores); GPU_INFER_FUZZ_REPORT=path.json
writes every case's outcome.
"""
from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from fuzz_mutations import KINDS, FuzzCase, make_cases

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("GPU_INFER_FUZZ_CASES", "520"))
SEED = int(os.environ.get("GPU_INFER_FUZZ_SEED", "0"))
CASE_TIMEOUT_S = 60          # one model loaded and run (or refused); longer is a hang
STARTUP_TIMEOUT_S = 120      # a worker's imports
WORKER_MEMORY_BYTES = 6 << 30    # address space per worker: a runaway allocation fails, the machine survives
MARK = "@@fuzz "             # protocol lines on a worker's stdout start with this


# --- the worker: runs cases, reports each on stdout ------------------------------------------------
def emit(**message) -> None:
    print(MARK + json.dumps(message, default=str), flush=True)


def where(exc: BaseException) -> str:
    """The innermost frame of gpu_infer's own code the exception passed through."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/gpu_infer/" in f.filename or "/scheduler/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    path = frame.filename.split("/gpu_infer/")[-1] if "/gpu_infer/" in frame.filename else frame.filename
    return f"{path}:{frame.lineno} in {frame.name}"


def differences(got: list, want: list, rel: float) -> list[str]:
    if len(got) != len(want):
        return [f"{len(got)} outputs, onnxruntime gives {len(want)}"]
    problems = []
    for k, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape or g.dtype != w.dtype:
            problems.append(f"output {k}: {g.dtype}{list(g.shape)}, onnxruntime {w.dtype}{list(w.shape)}")
        elif w.dtype.kind != "f":
            if not np.array_equal(g, w):
                problems.append(f"output {k}: values differ")
        elif (np.isnan(g) != np.isnan(w)).any() or (np.isinf(g) & (g != w)).any() or (np.isinf(w) & (g != w)).any():
            problems.append(f"output {k}: NaN or infinities in other places")
        else:
            finite = np.isfinite(w)
            if finite.any():
                err = float(np.max(np.abs(g[finite].astype(np.float64) - w[finite])))
                scale = float(np.max(np.abs(w[finite].astype(np.float64))))
                if err > rel * scale + 1e-30:
                    problems.append(f"output {k}: max error {err:.3g} over scale {scale:.3g}")
    return problems


def onnxruntime_outputs(path: str, feeds: dict[str, np.ndarray], optimized: bool) -> list:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    so.log_severity_level = 4
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimized
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, feeds)


def compare_with_onnxruntime(path: str, feeds: dict[str, np.ndarray], got: list) -> dict:
    try:
        want = onnxruntime_outputs(path, feeds, optimized=False)
    except Exception as exc:
        return {"verdict": "onnxruntime rejects", "detail": f"{type(exc).__name__}: {str(exc)[:200]}"}
    problems = differences(got, want, 1e-4)
    if not problems:
        return {"verdict": "matches onnxruntime"}
    try:
        conditioning = differences(onnxruntime_outputs(path, feeds, optimized=True), want, 1e-5)
    except Exception:
        conditioning = []
    if conditioning:
        return {"verdict": "ill-conditioned", "detail": conditioning[0]}
    return {"verdict": "MISMATCH", "detail": "; ".join(problems[:3])}


def worker(manifest: str, ids: list[int]) -> None:
    import faulthandler
    import resource
    faulthandler.enable()                        # a crash prints where it happened on stderr
    try:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ValueError, OSError):                # not enforceable here (macOS): run without the cap
        pass
    import gpu_infer
    cases = {c["id"]: c for c in json.loads(Path(manifest).read_text())}
    feeds_dir = Path(manifest).parent
    for cid in ids:
        case = cases[cid]
        feeds = dict(np.load(feeds_dir / f"feeds_{case['base']}.npz"))
        path = str(Path(case["dir"]) / "model.onnx")
        emit(id=cid, phase="start")
        try:
            outputs = gpu_infer.InferenceSession(path, backend="cpu").run(None, feeds)
        except gpu_infer.GpuInferError as exc:
            emit(id=cid, phase="gpu_infer", status="refused", error=type(exc).__name__, detail=str(exc)[:300])
            continue
        except Exception as exc:
            emit(id=cid, phase="gpu_infer", status="ESCAPED", error=type(exc).__name__, detail=str(exc)[:300],
                 where=where(exc))
            continue
        emit(id=cid, phase="gpu_infer", status="ran")
        emit(id=cid, phase="onnxruntime", **compare_with_onnxruntime(path, feeds, outputs))


# --- the harness: workers in subprocesses, a crash or hang blamed on its case -----------------------
def worker_env() -> dict[str, str]:
    threads = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return dict(os.environ, PYTHONWARNINGS="ignore", **threads)


class LineReader:
    """Lines from a worker's stdout with a timeout (select on the fd, our own buffer: a buffered
    file object could hold a line that select no longer sees)."""

    def __init__(self, proc: subprocess.Popen):
        self.fd, self.buf = proc.stdout.fileno(), b""

    def next(self, timeout: float) -> bytes | None:
        """The next line; b"" when the worker exited, None after `timeout` seconds of silence."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            with selectors.DefaultSelector() as sel:
                sel.register(self.fd, selectors.EVENT_READ)
                if not sel.select(max(deadline - time.monotonic(), 0)):
                    return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return b""
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"


def run_chunk(worker_command: list[str], ids: list[int], results: dict[int, dict], log: Path,
              case_timeout: float = CASE_TIMEOUT_S) -> None:
    """Run `ids` in workers (`worker_command` + the comma-separated ids still to run); restart after a
    crash or a hang, which is recorded for the case that was running."""
    remaining = list(ids)
    while remaining:
        with open(log, "wb") as err:
            proc = subprocess.Popen(worker_command + [",".join(map(str, remaining))], stdout=subprocess.PIPE,
                                    stderr=err, cwd=ROOT, env=worker_env())
            reader, current, phase, timeout = LineReader(proc), None, "gpu_infer", STARTUP_TIMEOUT_S
            while True:
                line = reader.next(timeout)
                if not line:                       # a hang (None) or the worker exited (b"")
                    proc.kill()
                    proc.wait()
                    proc.stdout.close()
                    break
                if not line.startswith(MARK.encode()):
                    continue
                msg = json.loads(line[len(MARK):])
                if msg["phase"] == "start":
                    current, phase, timeout = msg["id"], "gpu_infer", case_timeout
                elif msg["phase"] == "gpu_infer":
                    results[current] = msg
                    phase = "onnxruntime"
                    if msg["status"] != "ran":
                        remaining.remove(current)
                        current = None
                else:
                    results[current]["onnxruntime"] = msg
                    remaining.remove(current)
                    current = None
        if current is None:
            for cid in remaining:      # died between cases or at start-up: nothing to blame, every case fails
                results[cid] = {"status": "WORKER FAILED", "detail": log.read_text(errors="replace")[-600:]}
            return
        how = "HANG" if line is None else "CRASH"
        detail = (f"no answer within {case_timeout} s" if how == "HANG"
                  else f"exit status {proc.returncode}; {log.read_text(errors='replace')[-600:]}")
        if phase == "gpu_infer":
            results[current] = {"status": how, "detail": detail}
        else:
            results[current]["onnxruntime"] = {"verdict": f"onnxruntime {how.lower()}", "detail": detail[:200]}
        remaining.remove(current)


def run_fuzz(root: Path, count: int, seed: int) -> list[tuple[FuzzCase, dict]]:
    cases = make_cases(root, count, seed)
    manifest = root / "cases.json"
    manifest.write_text(json.dumps([vars(c) for c in cases]))
    results: dict[int, dict] = {}
    workers = max(1, min(4, os.cpu_count() or 1))
    command = [sys.executable, __file__, "--worker", str(manifest)]
    threads = [threading.Thread(target=run_chunk, args=(command, [c.id for c in cases[k::workers]], results,
                                                       root / f"worker{k}.log")) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [(c, results.get(c.id, {"status": "LOST"})) for c in cases]


def is_failure(result: dict) -> bool:
    return result["status"] not in ("ran", "refused") or \
        result.get("onnxruntime", {}).get("verdict") == "MISMATCH"


def outcome(result: dict) -> str:
    if result["status"] == "refused":
        return f"refused ({result['error']})"
    if result["status"] == "ran":
        return f"ran, {result.get('onnxruntime', {}).get('verdict', '?')}"
    return f"{result['status']} {result.get('error', '')}".strip()


def describe(case: FuzzCase, result: dict) -> str:
    text = f"case {case.id} [{case.base}] {case.description}: {outcome(result)}"
    extra = result.get("where") or ""
    detail = result.get("detail") or result.get("onnxruntime", {}).get("detail") or ""
    return f"{text} {extra} -- {detail}".rstrip(" -")


@pytest.fixture(scope="module")
def fuzz_results(tmp_path_factory) -> list[tuple[FuzzCase, dict]]:
    start = time.monotonic()
    results = run_fuzz(tmp_path_factory.mktemp("fuzz"), CASES, SEED)
    report = os.environ.get("GPU_INFER_FUZZ_REPORT")
    if report:
        Path(report).write_text(json.dumps([vars(c) | {"result": r} for c, r in results], indent=1, default=str))
    counts = Counter((c.kind, outcome(r)) for c, r in results)
    print(f"{len(results)} fuzz cases in {time.monotonic() - start:.0f} s (seed {SEED}):")
    for (kind, what), n in sorted(counts.items()):
        print(f"  {kind:22s} {n:4d}  {what}")
    return results


@pytest.mark.parametrize("kind", KINDS)
def test_mutated_model_runs_or_raises_a_gpu_infer_error(fuzz_results, kind):
    mine = [(c, r) for c, r in fuzz_results if c.kind == kind]
    if not mine:
        pytest.skip(f"GPU_INFER_FUZZ_CASES={CASES} leaves no case of kind {kind}")
    failures = [describe(c, r) for c, r in mine if is_failure(r)]
    assert not failures, f"{len(failures)} of {len(mine)} {kind} case(s) failed:\n" + "\n".join(failures)


FAKE_WORKER = """
import json, os, sys, time
for cid in map(int, sys.argv[1].split(",")):
    print("@@fuzz " + json.dumps({"id": cid, "phase": "start"}), flush=True)
    if cid == 1:
        os.abort()
    if cid == 2:
        time.sleep(60)
    print("@@fuzz " + json.dumps({"id": cid, "phase": "gpu_infer", "status": "refused", "error": "E"}), flush=True)
"""


def test_a_crash_or_a_hang_is_blamed_on_its_case_and_the_rest_still_run(tmp_path):
    results: dict[int, dict] = {}
    run_chunk([sys.executable, "-c", FAKE_WORKER], [0, 1, 2, 3], results, tmp_path / "worker.log", case_timeout=2)
    assert [results[k]["status"] for k in range(4)] == ["refused", "CRASH", "HANG", "refused"]
    assert "Aborted" in results[1]["detail"] or "exit status -6" in results[1]["detail"]


def test_fuzz_cases_are_deterministic(tmp_path):
    roots = [tmp_path / "a", tmp_path / "b"]
    runs = []
    for root in roots:
        root.mkdir()
        runs.append([(c.kind, c.base, c.description,
                      (Path(c.dir) / "model.onnx").read_bytes().replace(str(root).encode(), b"ROOT"))
                     for c in make_cases(root, 2 * len(KINDS), SEED)])
    assert runs[0] == runs[1]
    assert {kind for kind, *_ in runs[0]} == set(KINDS)


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    worker(sys.argv[2], [int(i) for i in sys.argv[3].split(",")])
