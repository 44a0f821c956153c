# reduce.comp: a variant per combination and element type (compile.py); float data as float32 or
# half storage ("f16s", both fp16 levels: reductions compute in float), each with its texel-read
# twin (.tx); integer data read from storage buffers only
FLOATS, INTEGERS = ("f32", "f16s"), ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64")
TYPES_OF = {"sum": FLOATS + INTEGERS, "prod": FLOATS + INTEGERS, "max": FLOATS + INTEGERS + ("bool",),
            "min": FLOATS + INTEGERS + ("bool",), "lse": FLOATS}
DATA = {t: role("A", t) + (PRECISIONS["fp16-storage"] if t == "f16s" else [])  # noqa: F821
        for t in (*FLOATS, *INTEGERS, "bool")}
BY_TYPE = {f"reduce_{op}.{t}": [f"-DREDUCE_{op.upper()}", *DATA[t]] for op, types in TYPES_OF.items() for t in types}
VARIANTS = {**texel({stem: d for stem, d in BY_TYPE.items() if stem.split(".")[1] in FLOATS}),  # noqa: F821
            **{stem: d for stem, d in BY_TYPE.items() if stem.split(".")[1] not in FLOATS}}
