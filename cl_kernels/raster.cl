// Region copy (gpu_infer.geometry): every data-movement op as one kernel.
//
// One dispatch per (source, destination) pair of a RasterPlan. `table` holds one row of
// TABLE_WIDTH ints per region (gpu_infer/geometry/table.py):
//   [0] src_offset  [1] dst_offset  [2..5] size  [6..9] src strides  [10..13] dst strides
//   [14] start (elements of the rows before)  [15] unused
// sizes padded with 1 and strides with 0 at the front, outermost first. Work item i (of
// `total`) finds its row by binary search over `start`, its indices by div/mod.
// `src_base` / `dst_base`: element offsets of the tensors inside their buffers (an arena).
//
// Element type from a build option, by byte size (data movement copies bits, so fp16
// storage is just 2-byte elements):
//   -DELEM_BYTES=1|2|4|8       uchar / ushort / uint / ulong, kernels raster and raster_fill
//   -DCONVERT_F32_TO_F16       float source, half destination (vstore_half: round to nearest even)
//   -DCONVERT_F16_TO_F32       half source (vload_half), float destination
// The conversions need no cl_khr_fp16; they build `raster` only.

#define TABLE_WIDTH 16
#define START 14

#if defined(CONVERT_F32_TO_F16)
typedef float src_t;
typedef half dst_t;
#define MOVE(src, s, dst, d) vstore_half((src)[s], (d), (dst))
#elif defined(CONVERT_F16_TO_F32)
typedef half src_t;
typedef float dst_t;
#define MOVE(src, s, dst, d) ((dst)[d] = vload_half((s), (src)))
#else                                        // neither conversion: -DELEM_BYTES=1|2|4|8
#include "bit_copy.h"
typedef elem_t src_t;
typedef elem_t dst_t;
#define MOVE(src, s, dst, d) ((dst)[d] = (src)[s])
#define BIT_COPY
#endif

// The table row of work item i: the last row whose start <= i.
inline __global const int *find_row(__global const int *table, const int n_regions, const int i) {
    int lo = 0, hi = n_regions - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (table[mid * TABLE_WIDTH + START] <= i) lo = mid;
        else hi = mid - 1;
    }
    return table + lo * TABLE_WIDTH;
}

// Element offsets (source, destination) of item `rest` of a row, outermost index first.
inline int2 offsets(__global const int *row, int rest) {
    int s = row[0], d = row[1];
    for (int k = 3; k >= 0; --k) {
        const int n = row[2 + k];
        const int c = rest % n;
        rest /= n;
        s += c * row[6 + k];
        d += c * row[10 + k];
    }
    return (int2)(s, d);
}

__kernel void raster(__global const src_t *src, const int src_base,
                     __global dst_t *dst, const int dst_base,
                     __global const int *table, const int n_regions, const int total) {
    const int i = get_global_id(0);
    if (i >= total) return;
    __global const int *row = find_row(table, n_regions, i);
    const int2 at = offsets(row, i - row[START]);
    MOVE(src, src_base + at.x, dst, dst_base + at.y);
}

#ifdef BIT_COPY
// FILL regions: the source is the constant `value` (the fill value's bits in the element type).
__kernel void raster_fill(__global elem_t *dst, const int dst_base,
                          __global const int *table, const int n_regions, const int total,
                          const elem_t value) {
    const int i = get_global_id(0);
    if (i >= total) return;
    __global const int *row = find_row(table, n_regions, i);
    dst[dst_base + offsets(row, i - row[START]).y] = value;
}
#endif
