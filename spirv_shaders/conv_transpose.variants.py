# conv_transpose.comp: col2im, per precision level, with its texel-read twins (compile.py)
VARIANTS = texel({f"conv_transpose.{level}": defines for level, defines in PRECISIONS.items()})  # noqa: F821
