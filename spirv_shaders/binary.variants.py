# binary.comp: by element type (compile.py's TYPES); Pow also with an exponent of another type, and
# (pow_f64) with exp and log in double where a float is involved; the n-ary pass of Max, Min, Sum,
# Mean, which accumulates float16 in float ("f16s") at every level. The float32 and float16 ones
# read through storage buffers or (texel(): .tx) texel views, four elements at a time where they can.
NUMBERS = [t for t in TYPES if t != "bool"]  # noqa: F821
TEXEL_FLOATS = {"f32": ["-DFLOAT_READS"], "f16s": ["-DFLOAT_READS", "-DA_HALF_STORE"],
                "f16": ["-DFLOAT_READS", "-DA_HALF_STORE"]}
FLOATS = ("f32", "f16s", "f16", "f64")
POW_BASES = ("f32", "f16s", "f16", "f64", "i32", "i64")
POW_EXPONENTS = ("f32", "f16s", "f64", "i32", "i64", "u32", "u64")
POW_PAIRS = [(a, b) for a in POW_BASES for b in POW_EXPONENTS if a != b]
VARIANTS = {
    **{f"binary.{t}": role("A", t) for t in NUMBERS if t not in TEXEL_FLOATS},  # noqa: F821
    **texel({f"binary.{t}": role("A", t) + reads for t, reads in TEXEL_FLOATS.items()}),  # noqa: F821
    **{f"binary.{a}.{b}": role("A", a) + role("B", b) for a, b in POW_PAIRS},  # noqa: F821
    **{f"pow_f64.{t}": role("A", t) + ["-DPOW_DOUBLE"] for t in FLOATS},  # noqa: F821
    **{f"pow_f64.{a}.{b}": role("A", a) + role("B", b) + ["-DPOW_DOUBLE"]  # noqa: F821
       for a, b in POW_PAIRS if a in FLOATS or b in FLOATS},
    **{f"nary.{t}": role("A", t) + ["-DNARY_PASS"] for t in NUMBERS if t != "f16"},  # noqa: F821
}
