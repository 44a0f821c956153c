#!/usr/bin/env bash
# Fail, before any test runs, when a backend or precision level named in GPU_INFER_REQUIRE
# (e.g. "opencl,vulkan,vulkan:fp16-arith"; a bare backend means fp32) is not valid here
# (as `gpu-infer devices --json` reports it), or when GPU_INFER_VK_VALIDATION=1 asks for the
# Khronos validation layer and the Vulkan loader does not have it.
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES_JSON="$(.venv/bin/gpu-infer devices --json)" .venv/bin/python - <<'PY'
import json, os, sys

statuses = {s["backend"]: s for s in json.loads(os.environ["DEVICES_JSON"])}
missing = []
for entry in filter(None, (e.strip() for e in os.environ.get("GPU_INFER_REQUIRE", "").split(","))):
    backend, _, level = entry.partition(":")
    st = statuses.get(backend)
    if st is None or (level or "fp32") not in st["precisions"]:
        sys.exit(f"GPU_INFER_REQUIRE: unknown entry {entry!r}")
    v = st["precisions"][level or "fp32"]
    if st["valid"] and v["valid"]:
        print(f"required {entry}: valid ({st['reason']})")
    else:
        missing.append(f"  {entry}: {v['reason'] if st['valid'] else st['reason']}")
if missing:
    sys.exit("required GPU backends are not valid on this machine (gpu-infer devices says why):\n"
             + "\n".join(missing) + "\ninstall pocl-opencl-icd and mesa-vulkan-drivers (scripts/setup.sh does), "
             "or leave them out of GPU_INFER_REQUIRE")
PY
if [ "${GPU_INFER_VK_VALIDATION:-0}" = 1 ]; then
  .venv/bin/python - <<'PY'
import sys
import vulkan as vk

layers = [p.layerName for p in vk.vkEnumerateInstanceLayerProperties()]
if "VK_LAYER_KHRONOS_validation" not in layers:
    sys.exit(f"GPU_INFER_VK_VALIDATION=1 but the Vulkan loader has no VK_LAYER_KHRONOS_validation "
             f"(Debian: vulkan-validationlayers); it has {layers}")
print("Vulkan validation layer: VK_LAYER_KHRONOS_validation")
PY
fi
