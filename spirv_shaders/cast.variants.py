# cast.comp: every (source, target) pair of element types (compile.py's TYPES); float16 is only
# stored here ("f16s"), never computed on
TYPES_STORED = [t for t in TYPES if t != "f16"]  # noqa: F821
VARIANTS = {f"cast.{a}.{b}": role("A", a) + role("B", b) for a in TYPES_STORED for b in TYPES_STORED}  # noqa: F821
