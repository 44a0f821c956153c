"""spirv_shaders/raster.comp: every variant is built, passes spirv-val, and asks the device for
no more than its element size needs (8-/16-bit storage, never int64 or float16 arithmetic).
(Staleness against the source is tests/test_spirv_fresh.py's job.)"""
from __future__ import annotations

import shutil
import subprocess

import pytest
from test_spirv_fresh import HERE as SHADERS
from test_spirv_fresh import _compile_module, capabilities

SHADER, SAMPLED_BUFFER, STORAGE_16BIT, STORAGE_8BIT = 1, 46, 4433, 4448      # SPIR-V capability numbers
STORAGE = {"b1": {STORAGE_8BIT}, "b2": {STORAGE_16BIT}, "b4": set(), "b8": set(),
           "f32-f16": {STORAGE_16BIT}, "f16-f32": {STORAGE_16BIT}}
# the texel-read twins fetch the source from a uniform texel buffer: only the stores need storage
# features (a half source is fetched as float)
TEXEL_STORAGE = {**STORAGE, "f16-f32": set()}
EXPECTED = {**{f"raster.{v}.spv": caps for v, caps in STORAGE.items()},
            **{f"raster.{v}.tx.spv": caps | {SAMPLED_BUFFER} for v, caps in TEXEL_STORAGE.items()},
            **{f"raster_fill.b{n}.spv": STORAGE[f"b{n}"] for n in (1, 2, 4, 8)}}


def test_compile_script_builds_every_raster_variant():
    built = {spv for spv, _, _ in _compile_module().variants() if spv.startswith("raster")}
    assert built == set(EXPECTED)


@pytest.mark.parametrize("spv", sorted(EXPECTED))
def test_variant_needs_only_its_storage_feature(spv):
    assert capabilities((SHADERS / spv).read_bytes()) == {SHADER} | EXPECTED[spv]


@pytest.mark.skipif(shutil.which("spirv-val") is None, reason="spirv-val not installed (Debian: spirv-tools)")
@pytest.mark.parametrize("spv", sorted(EXPECTED))
def test_variant_passes_spirv_val(spv):
    proc = subprocess.run(["spirv-val", "--target-env", "vulkan1.1", str(SHADERS / spv)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
