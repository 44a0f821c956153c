# resize.comp: nearest by element type, the weighed taps on floats (compile.py)
FLOATS = ("f32", "f16s")
VARIANTS = {
    **{f"resize_nearest.{t}": ["-DNEAREST", *role("A", t)]  # noqa: F821
       for t in FLOATS + ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "bool")},
    **{f"resize_taps.{t}": role("A", t) for t in FLOATS},  # noqa: F821
}
