"""README.md's "ONNX backend suite coverage" block is what tests/suite_coverage.py generates from the
suite's case lists and known-failure dicts."""
from __future__ import annotations

from suite_coverage import README, block, readme_block


def test_readme_suite_coverage_is_current():
    current = readme_block(README.read_text())
    assert current is not None, "README.md lost its suite-coverage block"
    assert current == block(), ("README.md's ONNX backend suite coverage is stale: run "
                                "`.venv/bin/python tests/suite_coverage.py` and commit README.md")
