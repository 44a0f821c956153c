# unary.comp: by element type (compile.py's TYPES); Clip with bounds read from tensors apart. The
# float32 and float16 ones read through storage buffers or (texel(): .tx) texel views, four
# elements at a time where they can.
NUMBERS = [t for t in TYPES if t != "bool"]  # noqa: F821
TEXEL_FLOATS = {"f32": ["-DFLOAT_READS"], "f16s": ["-DFLOAT_READS", "-DA_HALF_STORE"],
                "f16": ["-DFLOAT_READS", "-DA_HALF_STORE"]}
VARIANTS = {**{f"unary.{t}": role("A", t) for t in NUMBERS if t not in TEXEL_FLOATS},  # noqa: F821
            **texel({f"unary.{t}": role("A", t) + reads for t, reads in TEXEL_FLOATS.items()}),  # noqa: F821
            **{f"unary_clip.{t}": role("A", t) + ["-DCLIP_TENSORS"] for t in NUMBERS}}  # noqa: F821
