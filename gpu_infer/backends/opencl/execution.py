"""What every OpenCL execution shares: its programs (one source per op family, the precision
and the fused activation as build options), kernels with their arguments bound once, and
enqueueing on the run's own queue.

Layout: tensors stay plain row-major (NCHW) on OpenCL, on purpose. PoCL (and GPU compilers
alike) vectorise across neighbouring work-items, so kernels that give consecutive work-items
consecutive elements of the innermost, contiguous dimension (W for images, N for GEMM) get
full-width vector loads without a packed layout; register blocking over output channels gives
the reuse MNN's NC4HW4 gets from channel packing, and with no packed layout there are no
conversions at graph inputs, outputs, reshapes or between ops. The planner supports NC4HW4
(``Layout.NC4HW4``) if a kernel ever measures faster with it.
"""
from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np

from ..base import Execution, Tensor
from ..gpu_common import ACTIVATION_CODES, FUSED, activation_params  # noqa: F401  (re-exported)

def activation_options(node) -> tuple[list[str], tuple[np.float32, np.float32]]:
    """The build option and the two float arguments of `node`'s fused activation (activation.h)."""
    code, a, b = activation_params(node)
    return [f"-DACTIVATION={code}"], (a, b)


def ref_args(t: Tensor) -> list[Any]:
    """A tensor as two kernel arguments: its buffer and the element offset of its first value."""
    return [t.handle.buffer, np.int32(t.handle.offset)]


def round_up(n: int, multiple: int) -> int:
    return max(-(-n // multiple), 1) * multiple


class CLExecution(Execution):
    """An execution whose kernels come from cl_kernels/<family>.cl."""

    family: ClassVar[str] = ""

    def options(self, *extra: str) -> list[str]:
        """Build options: the precision level's, then `extra` (a fused activation, ...)."""
        return self.backend.build_options(self.precision) + list(extra)

    def kernel(self, name: str, args: Sequence[Any], options: Sequence[str] = ()) -> Any:
        """A kernel of this family with its arguments bound (once, in on_resize)."""
        rt = self.backend.rt
        return rt.kernel(rt.program(self.family, self.options(*options)), name, list(args), self.node.describe())

    def enqueue(self, kernel: Any, global_size: tuple[int, ...], local_size: tuple[int, ...] | None) -> None:
        """Enqueue on this run's queue (no host synchronisation; the workspace finishes)."""
        self.workspace.enqueue(kernel, global_size, local_size, self.node.describe())
