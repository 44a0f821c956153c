# softmax.comp: Softmax and LogSoftmax by element type (float32, half storage), compile.py
VARIANTS = {f"{stem}.{t}": defines + role("A", t)  # noqa: F821
            for stem, defines in (("softmax", []), ("log_softmax", ["-DLOG_SOFTMAX"])) for t in ("f32", "f16s")}
