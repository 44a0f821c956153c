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
    mod = _compile_module()
    for spv, src, flags in mod.variants():
        out = tmp_path / spv
        subprocess.run(["glslc", *flags, "-fshader-stage=compute", str(HERE / src), "-o", str(out)], check=True)
        assert out.read_bytes() == (HERE / spv).read_bytes(), f"{spv} differs from a fresh compile"


def test_check_mode_exit_status():
    proc = subprocess.run([sys.executable, str(HERE / "compile.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
