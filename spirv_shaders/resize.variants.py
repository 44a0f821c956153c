# resize.comp: nearest by element type, the weighed taps on floats (compile.py); float data read
# through texel views in the .tx twins (half storage as such: STORAGE_HALF)
FLOATS, EXACT = ("f32", "f16s"), ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "bool")
DATA = {t: role("A", t) + (PRECISIONS["fp16-storage"] if t == "f16s" else []) for t in FLOATS + EXACT}  # noqa: F821
VARIANTS = {
    **texel({**{f"resize_nearest.{t}": ["-DNEAREST", *DATA[t]] for t in FLOATS},  # noqa: F821
             **{f"resize_taps.{t}": DATA[t] for t in FLOATS}}),
    **{f"resize_nearest.{t}": ["-DNEAREST", *DATA[t]] for t in EXACT},
}
