"""The committed SPIR-V matches its GLSL sources (a stale .spv fails here)."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent.parent / "spirv_shaders"


def _compile_module():
    spec = importlib.util.spec_from_file_location("spirv_compile", HERE / "compile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_variant_is_built_from_its_current_source():
    mod = _compile_module()
    assert mod.stale() == [], "run: python spirv_shaders/compile.py"
    for spv, _, _ in mod.variants():
        data = (HERE / spv).read_bytes()
        assert data[:4] == b"\x03\x02\x23\x07", f"{spv} is not SPIR-V"


@pytest.mark.skipif(shutil.which("glslc") is None, reason="glslc not installed")
def test_glslc_reproduces_the_committed_spirv(tmp_path):
    """The first variant of each source, compiled afresh, is byte for byte the committed one (the
    manifest's hashes tie every other variant to its source and flags; compiling all ~300 takes
    minutes)."""
    mod = _compile_module()
    firsts = {src: (spv, src, flags) for spv, src, flags in reversed(mod.variants())}
    for spv, src, flags in firsts.values():
        out = tmp_path / spv
        subprocess.run(["glslc", *flags, "-fshader-stage=compute", str(HERE / src), "-o", str(out)], check=True)
        assert out.read_bytes() == (HERE / spv).read_bytes(), f"{spv} differs from a fresh compile"


def test_check_mode_exit_status():
    proc = subprocess.run([sys.executable, str(HERE / "compile.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


# SPIR-V capability numbers -> the device feature the runtime enables for it (vulkan/runtime.py)
# (46 SampledBuffer: texel-buffer reads of the .tx variants, core Vulkan 1.0)
CAPABILITY_FEATURES = {1: None, 46: None, 4433: "storageBuffer16BitAccess", 4448: "storageBuffer8BitAccess",
                       9: "shaderFloat16", 11: "shaderInt64", 10: "shaderFloat64"}


def capabilities(spv: bytes) -> set[int]:
    """The OpCapability operands of a SPIR-V module."""
    import numpy as np
    words = np.frombuffer(spv, np.uint32)
    caps, at = set(), 5                   # after the header
    while at < len(words):
        count, opcode = int(words[at]) >> 16, int(words[at]) & 0xFFFF
        if opcode == 17:                  # OpCapability
            caps.add(int(words[at + 1]))
        at += max(count, 1)
    return caps


def test_variants_need_only_features_their_types_name():
    """Float64 only in f64 variants, Int64 only in i64 / u64 ones, Float16 arithmetic only at
    fp16-arith or in f16 (not f16s) ones; nothing the runtime cannot enable."""
    import re
    for spv, _, _ in _compile_module().variants():
        caps = capabilities((HERE / spv).read_bytes())
        assert caps <= set(CAPABILITY_FEATURES), f"{spv}: capabilities {caps - set(CAPABILITY_FEATURES)}"
        parts = set(re.split(r"[._-]", spv[:-4]))
        if 10 in caps:
            assert "f64" in parts, f"{spv} needs shaderFloat64"
        if 11 in caps:
            assert parts & {"i64", "u64"}, f"{spv} needs shaderInt64"
        if 9 in caps:
            assert parts & {"f16", "arith"}, f"{spv} needs shaderFloat16"


@pytest.mark.skipif(shutil.which("spirv-val") is None, reason="spirv-val not installed (Debian: spirv-tools)")
def test_every_variant_passes_spirv_val():
    bad = []
    for spv, _, _ in _compile_module().variants():
        proc = subprocess.run(["spirv-val", "--target-env", "vulkan1.1", str(HERE / spv)], capture_output=True,
                              text=True)
        if proc.returncode:
            bad.append(f"{spv}: {proc.stderr.strip()}")
    assert not bad, "\n".join(bad)
