"""How far one tensor is from its reference: the measure `gpu-infer check` applies to every node.

Floats compare relative to the reference's scale (its largest finite magnitude), as the test
suite does, so an error means the same on a logit and on a normalised activation; NaN and
infinity must sit at the same positions with the same sign. Other types must be equal.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TINY_SCALE = 1e-12                    # an all-zero reference: any difference counts in full


@dataclass(frozen=True)
class TensorDiff:
    max_abs: float                     # largest |got - want| where both are finite
    scale: float                       # largest finite |want|
    where: tuple[int, ...] | None      # index of max_abs (or of the first mismatch when only those differ)
    got: float | None                  # the values there
    want: float | None
    nan_mismatches: int                # positions where exactly one side is NaN
    inf_mismatches: int                # positions where an infinity is not matched by the same one
    unequal: int = 0                   # non-float tensors: positions that differ
    shape_error: str | None = None     # the shapes or types disagree: nothing else was compared

    @property
    def max_rel(self) -> float:
        """max_abs relative to the reference's scale."""
        return self.max_abs / max(self.scale, TINY_SCALE)

    def within(self, rtol: float) -> bool:
        return (self.shape_error is None and not self.nan_mismatches and not self.inf_mismatches
                and not self.unequal and self.max_rel <= rtol)

    def describe(self) -> str:
        if self.shape_error is not None:
            return self.shape_error
        parts = [f"max abs {self.max_abs:.3g}, max rel {self.max_rel:.3g} (of scale {self.scale:.3g})"]
        if self.where is not None and self.got is not None:
            parts.append(f"at {list(self.where)}: got {self.got:.6g}, want {self.want:.6g}")
        if self.nan_mismatches or self.inf_mismatches:
            parts.append(f"{self.nan_mismatches} NaN and {self.inf_mismatches} infinity mismatch(es)")
        if self.unequal:
            parts.append(f"{self.unequal} unequal element(s)")
        return "; ".join(parts)


def compare(got: np.ndarray, want: np.ndarray) -> TensorDiff:
    """`got` against the reference `want`."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return TensorDiff(0.0, 0.0, None, None, None, 0, 0,
                          shape_error=f"got {got.dtype}{list(got.shape)}, want {want.dtype}{list(want.shape)}")
    if got.dtype.kind not in "fc":
        return _compare_exact(got, want)
    g, w = got.astype(np.float64), want.astype(np.float64)
    with np.errstate(invalid="ignore"):
        nan = np.isnan(g) != np.isnan(w)
        inf = (np.isinf(g) | np.isinf(w)) & ~np.isnan(g) & ~np.isnan(w) & (g != w)
        finite = np.isfinite(g) & np.isfinite(w)
        err = np.where(finite, np.abs(g - w), 0.0)
    scale = float(np.max(np.abs(w), where=np.isfinite(w), initial=0.0))
    if err.size and err.max() > 0:
        where = np.unravel_index(int(np.argmax(err)), err.shape)
    else:
        bad = np.flatnonzero(nan | inf)
        where = np.unravel_index(int(bad[0]), err.shape) if bad.size else None
    return TensorDiff(float(err.max(initial=0.0)), scale, _index(where),
                      float(g[where]) if where is not None else None, float(w[where]) if where is not None else None,
                      int(nan.sum()), int(inf.sum()))


def _compare_exact(got: np.ndarray, want: np.ndarray) -> TensorDiff:
    unequal = got != want
    bad = np.flatnonzero(unequal)
    where = np.unravel_index(int(bad[0]), got.shape) if bad.size else None
    numeric = got.dtype.kind in "biu"
    value = (lambda a: float(a[where]) if numeric and where is not None else None)
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)), initial=0.0)) if numeric else 0.0
    scale = float(np.max(np.abs(want.astype(np.float64)), initial=0.0)) if numeric else 0.0
    return TensorDiff(diff, scale, _index(where), value(got), value(want), 0, 0, unequal=int(bad.size))


def _index(where) -> tuple[int, ...] | None:
    return None if where is None else tuple(int(i) for i in where)
