"""benchmarks/RESULTS.md is written by several scripts, each owning its "## " sections: a
script rewrites its own and keeps the others'."""
from __future__ import annotations

from pathlib import Path

FIRST_PLAN = "## First plan: cold vs warm caches"       # first_plan.py's section
NCNN_VULKAN = "## Vulkan against ncnn's Vulkan path, same run"   # ncnn_vulkan.py's section
BY_HAND = "(written by hand"                              # in the title of a section no script owns


def split_sections(text: str) -> tuple[str, dict[str, str]]:
    """(the text before the first "## " heading, {heading line: that section's text})."""
    head, sections, title = [], {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            title = line.rstrip("\n")
            sections[title] = ""
        if title is None:
            head.append(line)
        else:
            sections[title] += line
    return "".join(head), sections


def write_keeping_others(path: Path, text: str, others: tuple[str, ...] = (FIRST_PLAN, NCNN_VULKAN)) -> None:
    """Write `text` to `path`, then the old file's sections titled in `others` (other scripts')."""
    old = split_sections(path.read_text())[1] if path.exists() else {}
    kept = [body.rstrip("\n") + "\n" for title, body in old.items() if title in others or BY_HAND in title]
    path.write_text("\n".join([text.rstrip("\n") + "\n", *kept]))


def put_section(path: Path, section: str) -> None:
    """Replace (or append) the section whose heading is `section`'s first line."""
    title = section.splitlines()[0]
    head, sections = split_sections(path.read_text()) if path.exists() else ("", {})
    sections[title] = section
    path.write_text(head + "\n".join(body.rstrip("\n") + "\n" for body in sections.values()))
