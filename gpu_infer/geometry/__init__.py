"""Data movement as regions (MNN's "geometry computing").

Transpose, Concat, Split, Slice, Pad, DepthToSpace, SpaceToDepth, Expand, Tile, Gather with
constant indices, the reshapes and the NC4HW4 layout conversions all lower, once and
backend-independently, to a RasterPlan: a few strided copies (regions). A backend then needs
one region-copy kernel (cl_kernels/raster.cl, spirv_shaders/raster.comp; `apply_regions` on
the host) instead of a kernel per op.
"""
from . import movement, pad, slicing  # noqa: F401  (register the lowerings)
from .apply import apply_regions
from .layout import from_packed, packed_shape, packed_size, to_packed
from .lowering import LOWERINGS, lower
from .region import FILL, MAX_REGION_RANK, MAX_REGIONS, RasterPlan, Region
from .table import TABLE_WIDTH, dispatches, fits_int32, kernel_table, total_elements

__all__ = ["FILL", "LOWERINGS", "MAX_REGION_RANK", "MAX_REGIONS", "RasterPlan", "Region", "TABLE_WIDTH",
           "apply_regions", "dispatches", "fits_int32", "from_packed", "kernel_table", "lower", "packed_shape",
           "packed_size", "to_packed", "total_elements"]
