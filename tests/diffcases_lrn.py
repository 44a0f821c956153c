"""Differential cases of LRN (cl_kernels/lrn.cl): odd channel counts, even and odd window sizes,
windows wider than the channels, spatial sizes that leave partial 8-wide blocks, ranks 2 to 5,
size-0 dimensions, every attribute and both opsets, NaN and infinities (each reaches only the
outputs whose window holds it), zero and negative bases of the power."""
from __future__ import annotations

from typing import Any

import numpy as np

from gpu_differential_cases import Case, OpCases, node_model, values

Spec = tuple[tuple[int, ...], bool, dict[str, Any]]

SPECS: list[Spec] = [                       # (shape, special values, attributes)
    ((2, 7, 5, 9), True, {"size": 3}),
    ((1, 5, 11, 13), True, {"size": 4, "alpha": 0.5, "beta": 0.6, "bias": 2.0}),
    ((2, 9, 37), True, {"size": 5, "alpha": 1e-3, "beta": 0.75, "bias": 1.0}),
    ((1, 11, 3, 3), False, {"size": 2, "alpha": 2.0, "beta": 1.5, "bias": 0.5}),
    ((3, 6), True, {"size": 2, "alpha": 1.0}),
    ((1, 3, 4, 4), False, {"size": 7, "alpha": 0.1, "beta": 0.25}),
    ((1, 3, 2, 3, 5), True, {"size": 1, "beta": 1.0}),
    ((1, 4, 3, 9), False, {"size": 3, "alpha": 0.3, "beta": 0.0, "bias": 0.0}),   # b^0 = 1, 0^0 too
    ((2, 5, 2, 8), False, {"size": 3, "beta": 1.0, "bias": -2.0, "opset": 1}),    # a negative base
    ((2, 0, 3, 3), False, {"size": 3}),
    ((0, 3, 2, 2), False, {"size": 5}),
]


def lrn_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, special, attrs in SPECS:
        x = values(rng, shape, special)
        if attrs.get("bias") == 0.0:
            x[:, :, 0] = 0.0                 # windows of zeros: 0 / 0^0
        cases.append(Case(f"LRN({list(shape)}{' special' if special else ''}) {attrs}",
                          node_model("LRN", {"x": x}, **attrs), {"x": x}))
    return cases


CASES: dict[str, OpCases] = {"LRN": OpCases(lrn_cases, signed_zero=True)}
