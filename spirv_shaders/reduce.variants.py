# reduce.comp: a variant per combination and element type (compile.py); float data as float32 or
# half storage ("f16s", both fp16 levels: reductions compute in float)
FLOATS, INTEGERS = ("f32", "f16s"), ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64")
TYPES_OF = {"sum": FLOATS + INTEGERS, "prod": FLOATS + INTEGERS, "max": FLOATS + INTEGERS + ("bool",),
            "min": FLOATS + INTEGERS + ("bool",), "lse": FLOATS}
VARIANTS = {f"reduce_{op}.{t}": [f"-DREDUCE_{op.upper()}", *role("A", t)]  # noqa: F821
            for op, types in TYPES_OF.items() for t in types}
