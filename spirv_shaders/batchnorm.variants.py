# batchnorm.comp: by float element type (compile.py's TYPES); prepared parameters or statistics read
# on the device
FLOATS = ("f32", "f16s", "f16", "f64")
VARIANTS = {**{f"batchnorm.{t}": role("A", t) for t in FLOATS},  # noqa: F821
            **{f"batchnorm_stats.{t}": role("A", t) + ["-DSTATS"] for t in FLOATS}}  # noqa: F821
