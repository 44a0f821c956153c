# gather.comp: indices read on the device, by element size and index width (compile.py)
VARIANTS = {f"gather.b{n}.i{w}": [f"-DELEM_BYTES={n}"] + (["-DINDEX_INT64"] if w == 64 else [])
            for n in (1, 2, 4, 8) for w in (32, 64)}
