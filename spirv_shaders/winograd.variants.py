# winograd.comp: the input and output transforms, per precision level (compile.py)
VARIANTS = {f"winograd_{op}.{level}": [f"-D{op.upper()}", *defines]
            for op in ("input", "output") for level, defines in PRECISIONS.items()}  # noqa: F821
