"""Without drivers, both GPU backends are invalid with a reason, and nothing crashes.

The drivers are hidden from a child process the way a machine without the Debian
packages would look: no OpenCL ICD registered, no Vulkan ICD manifest.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys


def test_devices_without_icds(tmp_path):
    env = dict(os.environ, OCL_ICD_VENDORS=str(tmp_path), VK_ICD_FILENAMES=str(tmp_path / "none.json"),
               VK_DRIVER_FILES=str(tmp_path / "none.json"), PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, "-m", "gpu_infer.cli", "devices", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    statuses = {d["backend"]: d for d in json.loads(proc.stdout)}
    assert statuses["cpu"]["valid"]
    for name in ("opencl", "vulkan"):
        assert not statuses[name]["valid"], statuses[name]
        assert statuses[name]["reason"]
        assert all(not v["valid"] and v["reason"] for v in statuses[name]["precisions"].values())


def test_run_falls_back_to_cpu_without_icds(tmp_path):
    env = dict(os.environ, OCL_ICD_VENDORS=str(tmp_path), VK_ICD_FILENAMES=str(tmp_path / "none.json"),
               VK_DRIVER_FILES=str(tmp_path / "none.json"))
    proc = subprocess.run([sys.executable, "-m", "gpu_infer.cli", "run", "--repeat", "1"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "backend: cpu" in proc.stdout
