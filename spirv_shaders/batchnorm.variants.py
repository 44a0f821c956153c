# batchnorm.comp: by float element type (compile.py's TYPES); prepared parameters or statistics read
# on the device. The float32 and float16 ones with prepared parameters read x through storage buffers
# or (texel(): .tx) texel views, several elements at a time where they can.
FLOATS = ("f32", "f16s", "f16", "f64")
TEXEL_FLOATS = {"f32": ["-DFLOAT_READS"], "f16s": ["-DFLOAT_READS", "-DA_HALF_STORE"],
                "f16": ["-DFLOAT_READS", "-DA_HALF_STORE"]}
VARIANTS = {**{f"batchnorm.{t}": role("A", t) for t in FLOATS if t not in TEXEL_FLOATS},  # noqa: F821
            **texel({f"batchnorm.{t}": role("A", t) + reads for t, reads in TEXEL_FLOATS.items()}),  # noqa: F821
            **{f"batchnorm_stats.{t}": role("A", t) + ["-DSTATS"] for t in FLOATS}}  # noqa: F821
