# raster.comp: the region copy by element size, the fp16 <-> fp32 conversions, and the fill (compile.py)
VARIANTS = {
    **{f"raster.b{n}": [f"-DELEM_BYTES={n}"] for n in (1, 2, 4, 8)},
    "raster.f32-f16": ["-DCONVERT_F32_TO_F16"], "raster.f16-f32": ["-DCONVERT_F16_TO_F32"],
    **{f"raster_fill.b{n}": [f"-DELEM_BYTES={n}", "-DFILL"] for n in (1, 2, 4, 8)},
}
