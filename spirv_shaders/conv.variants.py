# conv.comp: the planes of a general convolution and depthwise convolution, per precision level (compile.py)
VARIANTS = {f"conv_{op}.{level}": [f"-D{op.upper()}", *defines]
            for op in ("planes", "depthwise") for level, defines in PRECISIONS.items()}  # noqa: F821
