# pool.comp: MaxPool by element type (with and without Indices), AveragePool on floats (compile.py)
FLOATS, INTEGERS = ("f32", "f16s"), ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64")
VARIANTS = {
    **{f"maxpool.{t}": ["-DPOOL_MAX", *role("A", t)] for t in FLOATS + INTEGERS},  # noqa: F821
    **{f"maxpool_indices.{t}": ["-DPOOL_MAX", "-DINDICES", *role("A", t)] for t in FLOATS + INTEGERS},  # noqa: F821
    **{f"averagepool.{t}": ["-DPOOL_AVG", *role("A", t)] for t in FLOATS},  # noqa: F821
}
