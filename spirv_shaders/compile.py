"""Compile every GLSL compute shader to SPIR-V with glslc and check it with spirv-val.

Each shader `<name>.comp` declares its variants beside it, in `<name>.variants.py`: a dict
``VARIANTS`` of spv stem.variant -> glslc defines (adding a family's shaders touches no shared
table). The file runs with these helpers in its namespace:

    PRECISIONS   precision level -> defines (precision.glsl): fp32, fp16-storage, fp16-arith
    TYPES        element type code -> its NumPy dtype name (types.glsl): f32, f16s, f16, f64, i8 ...
    role(r, c)   the defines giving role `r` (A, B, ...) the element type code `c` (types.glsl)
    texel(v)     the variants `v` and, for each, its twin `<stem>.tx` built with TEXEL_READS
                 (texel.glsl: float reads through uniform texel buffers, vulkan/texel.py)

    python spirv_shaders/compile.py          # rebuild what is stale (glslc, then spirv-val)
    python spirv_shaders/compile.py --check  # exit 1 if a .spv is stale (no glslc needed)

The .spv files and manifest.json (the SHA-256 of each variant's sources, includes and flags)
are committed and shipped in the wheel, so users need no shader compiler.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
GLSLC_FLAGS = ["-O", "--target-env=vulkan1.1"]
SPIRV_VAL = ["spirv-val", "--target-env", "vulkan1.1"]

PRECISIONS: dict[str, list[str]] = {"fp32": [], "fp16-storage": ["-DSTORAGE_HALF"], "fp16-arith": ["-DCOMPUTE_HALF"]}
# element type code -> (NumPy dtype, stored GLSL type, arithmetic GLSL type, kind): types.glsl
ELEMENT_TYPES: dict[str, tuple[str, str, str, str]] = {
    "f32": ("float32", "float", "float", "FLOAT"),
    "f16s": ("float16", "float16_t", "float", "FLOAT"),        # half storage, float arithmetic
    "f16": ("float16", "float16_t", "float16_t", "FLOAT"),     # half storage and arithmetic
    "f64": ("float64", "double", "double", "FLOAT"),
    "i8": ("int8", "int8_t", "int", "SIGNED"), "u8": ("uint8", "uint8_t", "uint", "UNSIGNED"),
    "i16": ("int16", "int16_t", "int", "SIGNED"), "u16": ("uint16", "uint16_t", "uint", "UNSIGNED"),
    "i32": ("int32", "int", "int", "SIGNED"), "u32": ("uint32", "uint", "uint", "UNSIGNED"),
    "i64": ("int64", "int64_t", "int64_t", "SIGNED"), "u64": ("uint64", "uint64_t", "uint64_t", "UNSIGNED"),
    "bool": ("bool", "uint8_t", "uint", "BOOL"),
}
TYPES = {code: spec[0] for code, spec in ELEMENT_TYPES.items()}


def role(name: str, code: str) -> list[str]:
    """Defines giving role `name` the element type `code`: <name>_T stored, <name>_C arithmetic,
    <name>_P its push-constant type (float for half), <name>_<kind> (FLOAT, SIGNED, UNSIGNED,
    BOOL), <name>_BITS the arithmetic width, <name>_MIN / _MAX an integer type's range."""
    dtype, stored, calc, kind = ELEMENT_TYPES[code]
    bits = 64 if calc in ("double", "int64_t", "uint64_t") else 16 if calc == "float16_t" else 32
    defines = [f"-D{name}_T={stored}", f"-D{name}_C={calc}", f"-D{name}_P={'float' if bits == 16 else calc}",
               f"-D{name}_{kind}", f"-D{name}_BITS={bits}"]
    if kind in ("SIGNED", "UNSIGNED"):
        info = np.iinfo(dtype)          # (64-bit literals are refused before the shader's #extension)
        if bits == 64:
            low, high = (f"({calc}(1)<<63)", f"(~({calc}(1)<<63))") if info.min else (f"{calc}(0)", f"(~{calc}(0))")
        else:
            suffix = "u" if calc == "uint" else ""
            low, high = (f"({info.min + 1}-1)" if info.min else f"0{suffix}"), f"{info.max}{suffix}"
        defines += [f"-D{name}_MIN={low}", f"-D{name}_MAX={high}"]
    return defines


def texel(variants: dict[str, list[str]]) -> dict[str, list[str]]:
    """`variants` and their texel-read twins (`<stem>.tx`, defined TEXEL_READS)."""
    return {**variants, **{f"{stem}.tx": [*defines, "-DTEXEL_READS"] for stem, defines in variants.items()}}


def declared() -> dict[str, tuple[str, list[str]]]:
    """spv file -> (source, defines) over every `<name>.variants.py`."""
    out: dict[str, tuple[str, list[str]]] = {}
    for sidecar in sorted(HERE.glob("*.variants.py")):
        source = sidecar.name[:-len(".variants.py")] + ".comp"
        names = runpy.run_path(str(sidecar), init_globals={"PRECISIONS": PRECISIONS, "TYPES": TYPES, "role": role,
                                                      "texel": texel})
        for stem, defines in names["VARIANTS"].items():
            spv = f"{stem}.spv"
            if spv in out:
                raise SystemExit(f"{sidecar.name}: {spv} is declared twice")
            out[spv] = (source, list(defines))
    return out


def variants() -> list[tuple[str, str, list[str]]]:
    """(spv file, source file, glslc flags) for every shader and variant."""
    return [(spv, src, GLSLC_FLAGS + defines) for spv, (src, defines) in declared().items()]


def includes(src: str) -> list[str]:
    """`src` and every file it includes, transitively, in first-seen order."""
    seen, pending = [], [src]
    while pending:
        name = pending.pop(0)
        if name not in seen:
            seen.append(name)
            pending += re.findall(r'^\s*#include\s+"([^"]+)"', (HERE / name).read_text(), re.M)
    return seen


def source_hash(src: str, flags: list[str]) -> str:
    h = hashlib.sha256()
    for name in includes(src):
        h.update((HERE / name).read_bytes())
    h.update(" ".join(flags).encode())
    return h.hexdigest()


def stale() -> list[str]:
    recorded = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    return [spv for spv, src, flags in variants()
            if not (HERE / spv).exists() or recorded.get(spv) != source_hash(src, flags)]


def compile_all(glslc: str = "glslc") -> None:
    """Rebuild the stale variants, validate each, drop .spv files no variant declares."""
    for tool in (glslc, SPIRV_VAL[0]):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (Debian: apt-get install glslc spirv-tools)")
    recorded = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    todo = set(stale())

    def build(spv: str, src: str, flags: list[str]) -> None:
        subprocess.run([glslc, *flags, "-fshader-stage=compute", str(HERE / src), "-o", str(HERE / spv)], check=True)
        subprocess.run([*SPIRV_VAL, str(HERE / spv)], check=True)
    with ThreadPoolExecutor(os.cpu_count()) as pool:          # (glslc runs hundreds of variants)
        list(pool.map(lambda v: build(*v), [v for v in variants() if v[0] in todo]))
    manifest = {spv: source_hash(src, flags) for spv, src, flags in variants()}
    for gone in set(recorded) - set(manifest):
        (HERE / gone).unlink(missing_ok=True)
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if "--check" in sys.argv:
        bad = stale()
        print("stale: " + ", ".join(bad) if bad else "all SPIR-V up to date")
        sys.exit(1 if bad else 0)
    compile_all()
