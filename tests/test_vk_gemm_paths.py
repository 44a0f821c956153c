"""The read paths of Vulkan's GEMM core (spirv_shaders/gemm.comp) on convolutions chosen to reach
each: B rows on a vec4 (aligned), taps off a vec4 by every shift 0 to 3 over planes and over the
input itself (read as NV + 1 vectors and recombined per shift), rows whose stride is not a
multiple of 4 (element by element), and the edge tiles past n_safe; each with every scheme
forced, against the CPU backend. Run the suite with GPU_INFER_VK_TEXEL=0 too for the
storage-buffer variants."""
from __future__ import annotations

import gpu_differential_cases  # noqa: F401  (before a family's case file: it imports them all)
import numpy as np
import pytest
from diffcases_gemmconv import activated, case, data, weights
from test_gpu_differential import mismatches, stored, stored_model
from test_opencl_schemes import listed

import gpu_infer
from gpu_infer.scheduler.schemes import forcing, observing

pytestmark = pytest.mark.vulkan


def _cases(rng: np.random.Generator) -> dict:
    made = [
        # planes 24 x 28 (a multiple of 4): the 5 taps along a row start off a vec4 by 0, 1, 2, 3, 0
        activated("Conv", "5x5 pads 2 over planes, batch 2", {"x": data(rng, 2, 5, 20, 24)},
                  {"w": weights(rng, 9, 5, 5, 5), "b": data(rng, 9)}, ("Relu", {}, {}), pads=[2, 2, 2, 2]),
        # the input itself as B (12 x 20 per channel): shifted vectors, then the checked edge tiles
        case("Conv", "3x3 without padding (reads the input)", {"x": data(rng, 1, 6, 12, 20)},
             {"w": weights(rng, 7, 6, 3, 3)}),
        case("Conv", "3x3 dilation 2 over planes", {"x": data(rng, 1, 3, 14, 18)},
             {"w": weights(rng, 5, 3, 3, 3), "b": data(rng, 5)}, pads=[2, 2, 2, 2], dilations=[2, 2]),
        # planes 9 x 11: rows not a multiple of 4 apart, read element by element
        case("Conv", "3x3 pads 1, odd planes", {"x": data(rng, 1, 4, 7, 9)}, {"w": weights(rng, 10, 4, 3, 3)},
             pads=[1, 1, 1, 1]),
        case("MatMul", "columns not a multiple of 4", {"a": data(rng, 13, 11)}, {"b": data(rng, 11, 10)}),
    ]
    return {c.name: (c.model, c.feeds) for c in made}


CASES = _cases(np.random.default_rng(21))


@pytest.mark.parametrize("precision", ["fp32", "fp16-storage", "fp16-arith"])
@pytest.mark.parametrize("name", list(CASES))
def test_every_read_path_matches_the_cpu(name, precision):
    model, feeds = CASES[name]
    key, candidates = listed("vulkan", model, feeds, precision)
    feeds = {k: stored(v, precision) for k, v in feeds.items()}
    (want,) = gpu_infer.InferenceSession(stored_model(model, precision), backend="cpu").run(None, feeds)
    problems = []
    for scheme in candidates:
        with forcing({key: scheme}), observing() as seen:
            (got,) = gpu_infer.InferenceSession(model, backend="vulkan", precision=precision,
                                                strict=True).run(None, feeds)
        assert [c.chosen for c in seen] == [scheme]
        problems += [f"{scheme.name}: {p}" for p in mismatches(got, stored(want, precision), precision, False)]
    assert not problems, "\n".join(problems)
