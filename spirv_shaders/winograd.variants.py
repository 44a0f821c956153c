# winograd.comp: the input and output transforms, per precision level, with their texel-read twins (compile.py)
VARIANTS = texel({f"winograd_{op}.{level}": [f"-D{op.upper()}", *defines]  # noqa: F821
                  for op in ("input", "output") for level, defines in PRECISIONS.items()})  # noqa: F821
