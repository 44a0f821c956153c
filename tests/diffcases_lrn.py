"""Differential cases of LRN, for the Vulkan shader (spirv_shaders/lrn.comp) until the OpenCL
LRN work brings its own (then theirs replace these): window sizes odd and even, wider than the
channels, ranks 3 to 5, a size-0 batch, every attribute. Finite data: the CPU reference on
main sums windows as prefix-sum differences, which spread a NaN or infinity to later channels."""
from __future__ import annotations

from diffcases_poolnorm import data, generator
from gpu_differential_cases import OpCases


def lrn_cases(rng):
    return [("LRN", {"x": data(rng, shape, None)}, attrs) for shape, attrs in [
        ((1, 7, 5, 9), {"size": 3}),
        ((2, 5, 37), {"size": 4, "alpha": 0.002, "beta": 0.5, "bias": 2.0}),
        ((1, 3, 2, 3, 4), {"size": 5}),
        ((1, 2, 3, 3), {"size": 9, "alpha": 0.5, "beta": 1.0}),
        ((0, 3, 4, 4), {"size": 3}),
    ]]


CASES = {"LRN": OpCases(generator(lrn_cases), signed_zero=False)}
