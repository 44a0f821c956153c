#!/usr/bin/env bash
# Set up (once) and run the main job: the embedded default model on the best valid backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/gpu-infer run "$@"
