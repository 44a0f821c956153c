"""The plan an InferenceSession runs for some feeds, for the tools that look inside one run
(`bench --profile`, `bench --tune`).

The session has no public accessor for its plans yet; this is the one place that reaches in.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .pipeline.plan import Plan


def session_plan(session: Any, feeds: dict[str, Any]) -> tuple[Plan, dict[str, np.ndarray]]:
    """The session's plan for `feeds` (checked and converted as run() does) and the feeds that
    plan takes (inputs whose values decide shapes are bound into it)."""
    return session._plan_and_feeds(session._check_feeds(feeds))
