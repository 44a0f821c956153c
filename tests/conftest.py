"""Test-wide set-up: reproducible hypothesis, GPU backends that cannot silently vanish, a run summary.

A test targets a GPU backend when it is parametrized with ``backend`` (and maybe ``precision``)
set to "opencl" / "vulkan", carries the ``opencl`` / ``vulkan`` marker, or is an ONNX-suite case
built for that backend (class attributes ``suite_backend`` / ``suite_precision``). Its backend and
precision level are checked here, once, before it runs: on a device that lacks them it is skipped
with the probe's reason. ``GPU_INFER_REQUIRE`` (comma list of ``backend`` or ``backend:level``,
e.g. ``opencl,vulkan,vulkan:fp16-arith``; a bare backend requires fp32) turns that skip into a
failure, and any other skip of a test on a required backend too, so CI cannot pass green with the
GPU tests gone.
"""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest

sys.path.insert(0, os.path.dirname(__file__))   # tests/ helpers (suite_cases, helpers) importable

from hypothesis import settings  # noqa: E402

# The devices' program and pipeline caches (gpu_infer/backends/disk_cache.py) of a test run go
# to a folder of its own, removed at exit, unless GPU_INFER_CACHE_DIR names one.
if "GPU_INFER_CACHE_DIR" not in os.environ:
    os.environ["GPU_INFER_CACHE_DIR"] = tempfile.mkdtemp(prefix="gpu_infer-test-cache-")
    atexit.register(shutil.rmtree, os.environ["GPU_INFER_CACHE_DIR"], ignore_errors=True)

# The same examples on every run, so CI is reproducible; set GPU_INFER_HYPOTHESIS_RANDOM=1
# (and GPU_INFER_HYPOTHESIS_EXAMPLES=n) to explore fresh examples locally.
settings.register_profile("gpu_infer", derandomize=not os.environ.get("GPU_INFER_HYPOTHESIS_RANDOM"),
                          database=None)
settings.load_profile("gpu_infer")

GPU_BACKENDS = ("opencl", "vulkan")
LEVELS = ("fp32", "fp16-storage", "fp16-arith")
LEVEL_OF = {"fp16": "fp16-storage"}          # session precision names -> device precision levels
SUITE_ROWS = ("cpu", "cpu beyond first wave", "opencl", "vulkan")      # the summary table's row order
OUTCOMES = ("passed", "failed", "skipped", "xfailed")


@dataclass(frozen=True)
class Target:
    """The GPU backend (and precision level, None when the test does not pin one) a test runs on."""
    backend: str
    level: str | None


def required_levels() -> dict[str, set[str]]:
    """GPU_INFER_REQUIRE parsed: backend -> the precision levels that must be valid."""
    required: dict[str, set[str]] = {}
    for entry in filter(None, (e.strip() for e in os.environ.get("GPU_INFER_REQUIRE", "").split(","))):
        backend, _, level = entry.partition(":")
        if backend not in GPU_BACKENDS or (level and level not in LEVELS):
            raise pytest.UsageError(f"GPU_INFER_REQUIRE entry {entry!r}: expected BACKEND or BACKEND:LEVEL with "
                                    f"BACKEND in {GPU_BACKENDS} and LEVEL in {LEVELS}")
        required.setdefault(backend, {"fp32"}).update({level} if level else ())
    return required


REQUIRED: dict[str, set[str]] = {}
TARGET = pytest.StashKey[Target]()
LEVEL_SKIP = pytest.StashKey[bool]()               # skipped for a precision level the device lacks
ROWS: dict[str, tuple[str, str, str]] = {}          # nodeid -> (table, row, precision)
OUTCOME: dict[str, str] = {}                        # nodeid -> worst outcome of its phases


def pytest_configure(config: pytest.Config) -> None:
    REQUIRED.clear()
    REQUIRED.update(required_levels())


def pytest_report_header(config: pytest.Config) -> list[str]:
    from gpu_infer.scheduler import probe_all
    statuses = probe_all()
    lines = [f"gpu_infer {b}: " + ("valid, levels " + ", ".join(p for p in LEVELS if statuses[b].precision_valid(p))
                                   if statuses[b].valid else f"INVALID ({statuses[b].reason})") for b in GPU_BACKENDS]
    return lines + [f"GPU_INFER_REQUIRE: {_required_text() or '(none: a missing backend skips its tests)'}"]


def _required_text() -> str:
    return ", ".join(f"{b}:{'+'.join(sorted(levels))}" for b, levels in sorted(REQUIRED.items()))


def gpu_target(item: pytest.Item) -> Target | None:
    cls = getattr(item, "cls", None)
    params = getattr(getattr(item, "callspec", None), "params", {})
    backend = params.get("backend", getattr(cls, "suite_backend", None))
    precision = params.get("precision", getattr(cls, "suite_precision", None))
    if backend not in GPU_BACKENDS:
        marked = [b for b in GPU_BACKENDS if item.get_closest_marker(b)]
        if not marked:
            return None
        backend = marked[0]
    level = LEVEL_OF.get(precision, precision)
    return Target(backend, level if level in LEVELS else None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        target = gpu_target(item)
        if target is not None:
            item.stash[TARGET] = target
            item.add_marker(target.backend)          # so that -m vulkan / -m "not opencl" select them
        suite_row = getattr(getattr(item, "cls", None), "suite_label", None)
        if suite_row is not None:
            ROWS[item.nodeid] = ("suite", suite_row, getattr(item.cls, "suite_precision", "fp32"))
        elif target is not None:
            ROWS[item.nodeid] = ("gpu", target.backend, target.level or "-")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    target = item.stash.get(TARGET, None)
    if target is None:
        return
    from gpu_infer.scheduler import probe_all
    status = probe_all()[target.backend]
    needed = REQUIRED.get(target.backend, set())
    if not status.valid:
        if needed:
            pytest.fail(f"GPU_INFER_REQUIRE names {target.backend}, which is invalid here: {status.reason}",
                        pytrace=False)
        pytest.skip(f"{target.backend} invalid here: {status.reason}")
    if target.level and not status.precision_valid(target.level):
        reason = f"{target.backend} {target.level} invalid here: {status.precisions[target.level].reason}"
        if target.level in needed:
            pytest.fail(f"GPU_INFER_REQUIRE names {target.backend}:{target.level}, but {reason}", pytrace=False)
        item.stash[LEVEL_SKIP] = True
        pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On a required backend the only accepted skip is a precision level GPU_INFER_REQUIRE leaves out."""
    report = (yield).get_result()
    target = item.stash.get(TARGET, None)
    if (report.skipped and not hasattr(report, "wasxfail") and target is not None
            and target.backend in REQUIRED and not item.stash.get(LEVEL_SKIP, False)):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"GPU_INFER_REQUIRE names {target.backend}: its tests must run, "
                           f"but this one skipped: {reason}")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in ROWS:
        return
    if report.failed:
        outcome = "failed"
    elif report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    else:
        outcome = "passed"
    previous = OUTCOME.get(report.nodeid, "passed")
    OUTCOME[report.nodeid] = max(previous, outcome, key=("passed", "skipped", "xfailed", "failed").index)


def _table(title: str, rows: dict[tuple[str, str], Counter]) -> list[str]:
    order = {name: k for k, name in enumerate(SUITE_ROWS)}
    lines = [f"{title:34s} {'precision':12s} {'cases':>6s} " + " ".join(f"{o:>8s}" for o in OUTCOMES)]
    for (row, precision), counts in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        lines.append(f"  {row:32s} {precision:12s} {sum(counts.values()):6d} "
                     + " ".join(f"{counts[o]:8d}" for o in OUTCOMES))
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Per backend and precision: ONNX-suite cases, and the other GPU tests, by outcome."""
    if not OUTCOME:
        return
    tables: dict[str, dict[tuple[str, str], Counter]] = {"suite": defaultdict(Counter), "gpu": defaultdict(Counter)}
    for nodeid, outcome in OUTCOME.items():
        table, row, precision = ROWS[nodeid]
        tables[table][(row, precision)][outcome] += 1
    terminalreporter.write_sep("=", "gpu_infer: what ran (xfailed = known failures listed with their reason)")
    lines = []
    if tables["suite"]:
        lines += _table("onnx backend suite (strict)", tables["suite"])
    if tables["gpu"]:
        lines += _table("other GPU tests", tables["gpu"])
    lines.append(f"GPU_INFER_REQUIRE: {_required_text() or '(none)'}")
    for line in lines:
        terminalreporter.write_line(line)


# -- Vulkan validation (GPU_INFER_VK_VALIDATION=1): a message of the layer fails the test --------
@pytest.fixture(autouse=True)
def _vulkan_validation_is_silent():
    yield
    if os.environ.get("GPU_INFER_VK_VALIDATION", "") in ("", "0"):
        return
    runtime = sys.modules.get("gpu_infer.backends.vulkan.runtime")    # loaded only by Vulkan work
    messages = runtime.validation_messages() if runtime is not None else []
    if messages:
        pytest.fail(f"{len(messages)} Vulkan validation message(s):\n" + "\n".join(m[:2000] for m in messages[:5]),
                    pytrace=False)
