# conv.comp: the planes of a general convolution and depthwise convolution, per precision level, with
# their texel-read twins (compile.py)
VARIANTS = texel({f"conv_{op}.{level}": [f"-D{op.upper()}", *defines]  # noqa: F821
                  for op in ("planes", "depthwise") for level, defines in PRECISIONS.items()})  # noqa: F821
