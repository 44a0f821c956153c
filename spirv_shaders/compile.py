"""Compile every GLSL compute shader to SPIR-V with glslc: the float shaders once per
precision level, the others (the region copy) once per variant of their own.

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
# shader stem -> (source, {variant: defines}): shaders without precision levels, compiled once
# per variant of their own (the region copy: by element size, and the fp16 <-> fp32 conversions)
OWN_VARIANTS: dict[str, tuple[str, dict[str, list[str]]]] = {
    "raster": ("raster.comp", {**{f"b{n}": [f"-DELEM_BYTES={n}"] for n in (1, 2, 4, 8)},
                               "f32-f16": ["-DCONVERT_F32_TO_F16"], "f16-f32": ["-DCONVERT_F16_TO_F32"]}),
    "raster_fill": ("raster.comp", {f"b{n}": [f"-DELEM_BYTES={n}", "-DFILL"] for n in (1, 2, 4, 8)}),
    # gather with indices read on the device: by element size and index width
    "gather": ("gather.comp", {f"b{n}.i{w}": [f"-DELEM_BYTES={n}"] + (["-DINDEX_INT64"] if w == 64 else [])
                               for n in (1, 2, 4, 8) for w in (32, 64)}),
}


def spv_name(stem: str, variant: str) -> str:
    """The file of one variant: a precision level, or one of the shader's own variants."""
    return f"{stem}.{variant}.spv"


def variants() -> list[tuple[str, str, list[str]]]:
    """(spv file, source file, glslc flags) for every shader and variant."""
    by_precision = [(spv_name(stem, prec), src, GLSLC_FLAGS + defines + PRECISION_DEFINES[prec])
                    for stem, (src, defines) in SHADERS.items() for prec in PRECISION_DEFINES]
    own = [(spv_name(stem, name), src, GLSLC_FLAGS + defines)
           for stem, (src, named) in OWN_VARIANTS.items() for name, defines in named.items()]
    return by_precision + own


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
