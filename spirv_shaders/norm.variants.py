# norm.comp: LayerNormalization and InstanceNormalization (PER_ROW) by element type, compile.py
VARIANTS = {f"{stem}.{t}": defines + role("A", t)  # noqa: F821
            for stem, defines in (("layer_norm", []), ("instance_norm", ["-DPER_ROW"])) for t in ("f32", "f16s")}
