# cast_small.comp: each type the backend stores (compile.py's TYPES; float16 only stored, "f16s")
# to and from narrow bits of 8 ("n8") and 16 ("n16", bfloat16) bits, and narrow to narrow; the
# narrow formats, saturate and round_mode are specialization constants
NARROW = {"n8": "u8", "n16": "u16"}
STORED = [t for t in TYPES if t != "f16"]  # noqa: F821


def narrow(r, code):
    return role(r, NARROW[code]) + [f"-D{r}_NARROW"] if code in NARROW else role(r, code)  # noqa: F821


VARIANTS = {f"cast_small.{a}.{b}": narrow("A", a) + narrow("B", b)
            for a in STORED + list(NARROW) for b in STORED + list(NARROW) if a in NARROW or b in NARROW}
