"""Compile every GLSL compute shader, in every precision variant, to SPIR-V with glslc.

    python spirv_shaders/compile.py          # rebuild what is stale
    python spirv_shaders/compile.py --check  # exit 1 if a .spv is stale (no glslc needed)

The .spv files and manifest.json (the SHA-256 of each variant's sources and flags) are
committed and shipped in the wheel, so users need no shader compiler.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
GLSLC_FLAGS = ["-O", "--target-env=vulkan1.1"]
INCLUDES = ["precision.glsl"]

# shader stem -> (source, defines); each compiled once per precision
SHADERS: dict[str, tuple[str, list[str]]] = {
    "relu": ("relu.comp", []),
    "binary_add": ("binary.comp", ["-DOP_ADD"]),
}
PRECISION_DEFINES: dict[str, list[str]] = {
    "fp32": [], "fp16-storage": ["-DSTORAGE_HALF"], "fp16-arith": ["-DCOMPUTE_HALF"],
}


def spv_name(stem: str, precision: str) -> str:
    return f"{stem}.{precision}.spv"


def variants() -> list[tuple[str, str, list[str]]]:
    """(spv file, source file, glslc flags) for every shader and precision."""
    return [(spv_name(stem, prec), src, GLSLC_FLAGS + defines + PRECISION_DEFINES[prec])
            for stem, (src, defines) in SHADERS.items() for prec in PRECISION_DEFINES]


def source_hash(src: str, flags: list[str]) -> str:
    h = hashlib.sha256()
    for name in [src] + INCLUDES:
        h.update((HERE / name).read_bytes())
    h.update(" ".join(flags).encode())
    return h.hexdigest()


def stale() -> list[str]:
    recorded = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    return [spv for spv, src, flags in variants()
            if not (HERE / spv).exists() or recorded.get(spv) != source_hash(src, flags)]


def compile_all(glslc: str = "glslc") -> None:
    if shutil.which(glslc) is None:
        sys.exit(f"{glslc} not found (Debian: apt-get install glslc)")
    manifest = {}
    for spv, src, flags in variants():
        subprocess.run([glslc, *flags, "-fshader-stage=compute", str(HERE / src), "-o", str(HERE / spv)],
                       check=True)
        manifest[spv] = source_hash(src, flags)
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if "--check" in sys.argv:
        bad = stale()
        print("stale: " + ", ".join(bad) if bad else "all SPIR-V up to date")
        sys.exit(1 if bad else 0)
    compile_all()
