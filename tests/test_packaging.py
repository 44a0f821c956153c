"""A non-editable build carries scheduler/, cl_kernels/, spirv_shaders/ and the default model."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def test_wheel_contains_the_design_card_folders(tmp_path):
    try:
        import setuptools  # noqa: F401
    except ImportError:
        pytest.skip("setuptools not installed")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("gpu_infer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gpu_infer/scheduler/__init__.py" in names
    assert "gpu_infer/scheduler/opencl_probe.py" in names and "gpu_infer/scheduler/vulkan_probe.py" in names
    assert any(n.startswith("gpu_infer/cl_kernels/") and n.endswith(".cl") for n in names)
    assert any(n.startswith("gpu_infer/spirv_shaders/") and n.endswith(".spv") for n in names)
    assert any(n.startswith("gpu_infer/spirv_shaders/") and n.endswith(".comp") for n in names)
    assert "gpu_infer/models/ch_ppocr_mobile_v2.0_cls_infer.onnx" in names
    assert "gpu_infer/backends/cpu/ops/__init__.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gpu-infer = gpu_infer.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
