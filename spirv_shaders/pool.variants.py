# pool.comp: MaxPool by element type (with and without Indices), AveragePool on floats (compile.py);
# float data read through texel views in the .tx twins (half storage as such: STORAGE_HALF)
FLOATS, INTEGERS = ("f32", "f16s"), ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64")
DATA = {t: role("A", t) + (PRECISIONS["fp16-storage"] if t == "f16s" else []) for t in FLOATS + INTEGERS}  # noqa: F821
KINDS = {"maxpool": ["-DPOOL_MAX"], "maxpool_indices": ["-DPOOL_MAX", "-DINDICES"]}
VARIANTS = {
    **texel({**{f"{stem}.{t}": [*defines, *DATA[t]] for stem, defines in KINDS.items() for t in FLOATS},  # noqa: F821
             **{f"averagepool.{t}": ["-DPOOL_AVG", *DATA[t]] for t in FLOATS}}),
    **{f"{stem}.{t}": [*defines, *DATA[t]] for stem, defines in KINDS.items() for t in INTEGERS},
}
