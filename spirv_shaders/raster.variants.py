# raster.comp: the region copy by element size, the fp16 <-> fp32 conversions (each also reading
# its source through a texel buffer: texel()), and the fill (compile.py)
VARIANTS = {
    **texel({f"raster.b{n}": [f"-DELEM_BYTES={n}"] for n in (1, 2, 4, 8)}),  # noqa: F821
    **texel({"raster.f32-f16": ["-DCONVERT_F32_TO_F16"], "raster.f16-f32": ["-DCONVERT_F16_TO_F32"]}),  # noqa: F821
    **{f"raster_fill.b{n}": [f"-DELEM_BYTES={n}", "-DFILL"] for n in (1, 2, 4, 8)},
}
