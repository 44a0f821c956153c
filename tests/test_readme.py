"""The README works as written: every ```python block runs, every command it names exists.

Each python block runs in its own interpreter from the repository root and must exit cleanly.
A block opts out only with the marker line ``<!-- no-test: why -->`` right above its fence; an
opted-out block is reported as a skip with that reason. Commands (shell blocks and inline code
such as `gpu-infer run ... --strict`) are checked, not run: the scripts and files they name exist,
and every gpu-infer subcommand and option they use appears in that subcommand's --help.
"""
from __future__ import annotations

import functools
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"(?:^<!--\s*no-test:\s*(?P<why>.*?)\s*-->\s*\n)?"     # the opt-out marker, if any
                   r"^```(?P<lang>[\w-]*)[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
SHELL = {"bash", "sh", "shell", "console"}
INSTALLERS = {"pip", "pip3", "apt-get", "apt", "sudo"}     # named, never run here
RUNNERS = {"bash", "sh", "python", "python3", ".venv/bin/python"}


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int
    opt_out: str | None        # the no-test reason, None when the block must run


def readme_blocks() -> list[Block]:
    text = README.read_text()
    return [Block(m["lang"], m["body"], text.count("\n", 0, m.start("body")), m["why"])
            for m in FENCE.finditer(text)]


def readme_commands() -> list[str]:
    """Every command line the README shows: shell-block lines and command-like inline code."""
    text = README.read_text()
    lines = [ln for b in readme_blocks() if b.lang in SHELL for ln in b.body.splitlines()]
    prose = FENCE.sub("", text)
    lines += re.findall(r"`((?:[A-Z_]+=\S+\s+)*(?:bash|python3?|\.venv/bin/[^\s`]+|gpu-infer|pip)\s[^`]*)`", prose)
    commands = (" ".join(ln.split(" #")[0].split()) for ln in lines)
    return [c for c in commands if c]


PYTHON_BLOCKS = [b for b in readme_blocks() if b.lang == "python"]


def test_readme_has_python_blocks_and_commands():
    assert PYTHON_BLOCKS, "no ```python block found: has the README's fence format changed?"
    assert any("scripts/test.sh" in c for c in readme_commands())


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: f"README.md:{b.line}")
def test_python_block_runs(block: Block):
    if block.opt_out is not None:
        pytest.skip(f"README.md:{block.line} opted out: {block.opt_out}")
    proc = subprocess.run([sys.executable, "-c", block.body], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"README.md:{block.line}: the block fails:\n{proc.stderr[-4000:]}"


def gpu_infer_command() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    script = shutil.which("gpu-infer", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "gpu_infer.cli"]


@functools.lru_cache(maxsize=None)
def cli_help(*subcommand: str) -> str:
    proc = subprocess.run(gpu_infer_command() + [*subcommand, "--help"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"gpu-infer {' '.join(subcommand)} --help fails: {proc.stderr}"
    return proc.stdout


def check_gpu_infer(args: list[str]) -> list[str]:
    """Problems with one `gpu-infer ...` command: an unknown subcommand or option."""
    words = [a for a in args if not a.startswith("[") or a.startswith("[--")]
    sub = next((w for w in words if not w.startswith(("-", "["))), None)
    if sub is None:
        return []
    choices = re.search(r"\{([\w,-]+)\}", cli_help()).group(1).split(",")
    if sub not in choices:
        return [f"gpu-infer has no subcommand {sub!r} (it has {choices})"]
    options = set(re.findall(r"--[\w-]+", cli_help(sub)))
    used = {m for a in args for m in re.findall(r"--[\w-]+", a)}
    return [f"gpu-infer {sub} has no option {o}" for o in sorted(used - options)]


def check_command(line: str) -> list[str]:
    words = shlex.split(line)
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):          # leading VAR=value assignments
        words.pop(0)
    if not words or words[0] in INSTALLERS:
        return []
    if words[0].endswith("gpu-infer"):
        return check_gpu_infer(words[1:])
    if words[0] in RUNNERS:
        paths = [w for w in words[1:] if re.search(r"\.(sh|py)$", w) or "/" in w]
        return [f"{line!r} names {p}, which is not in the repository" for p in paths
                if not (ROOT / p).exists()]
    if shutil.which(words[0]) is None and not (ROOT / words[0]).exists():
        return [f"{line!r}: command {words[0]!r} not found"]
    return []


@pytest.mark.parametrize("line", readme_commands(), ids=lambda line: line[:50])
def test_command_exists(line: str):
    problems = check_command(line)
    assert not problems, "; ".join(problems)
