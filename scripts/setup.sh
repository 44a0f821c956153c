#!/usr/bin/env bash
# Idempotent set-up on Debian/Ubuntu: the OpenCL/Vulkan runtimes (PoCL, lavapipe, glslc, the Vulkan
# validation layers the tests can run under) and a virtual environment at .venv with gpu_infer
# installed (editable) and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
APT_PACKAGES="pocl-opencl-icd ocl-icd-libopencl1 mesa-vulkan-drivers libvulkan1 glslc spirv-tools"
APT_PACKAGES="$APT_PACKAGES vulkan-validationlayers"     # CI runs the Vulkan backend under VK_LAYER_KHRONOS_validation
"$PY" -c "import ensurepip, venv" 2>/dev/null || APT_PACKAGES="$APT_PACKAGES python3-venv"
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.gpu_infer-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,bench]'
  touch "$stamp"
fi
