// Region copy (gpu_infer.geometry): every data-movement op as one kernel.
//
// One dispatch per (source, destination) pair of a RasterPlan. `table` holds one row of
// TABLE_WIDTH ints per region (gpu_infer/geometry/table.py):
//   [0] src_offset  [1] dst_offset  [2..5] size  [6..9] src strides  [10..13] dst strides
//   [14] start (elements of the rows before)  [15] chunk start (chunks of the rows before)
// sizes padded with 1 and strides with 0 at the front, outermost first. A work item copies one
// chunk: up to CHUNK consecutive elements of a row's innermost dimension (column 15 is filled by
// gpu_infer/backends/opencl/ops/raster.py). Work item i (of `total` chunks) finds its row by
// binary search over the chunk starts, its outer indices by div/mod, and copies its chunk as
// one vector where both innermost strides are 1 (a contiguous run: Concat, Split, Slice
// rows, conversions), element by element otherwise. One element per work item cost about 8 ns
// per element on PoCL (no vectorisation through the div/mod loop); a contiguous chunk is two
// 8-element vector moves (a 614400-element Concat input: 21 ms -> 0.8 ms).
// `src_base` / `dst_base`: element offsets of the tensors inside their buffers (an arena).
//
// Element type from a build option, by byte size (data movement copies bits, so fp16
// storage is just 2-byte elements):
//   -DELEM_BYTES=1|2|4|8       uchar / ushort / uint / ulong, kernels raster and raster_fill
//   -DCONVERT_F32_TO_F16       float source, half destination (vstore_half: round to nearest even)
//   -DCONVERT_F16_TO_F32       half source (vload_half), float destination
// The conversions need no cl_khr_fp16; they build `raster` only.

#define TABLE_WIDTH 16
#define CHUNK_START 15
#define CHUNK 16

#if defined(CONVERT_F32_TO_F16)
typedef float src_t;
typedef half dst_t;
#define MOVE(src, s, dst, d) vstore_half((src)[s], (d), (dst))
#define MOVE8(src, s, dst, d) vstore_half8(vload8(0, (src) + (s)), 0, (dst) + (d))
#elif defined(CONVERT_F16_TO_F32)
typedef half src_t;
typedef float dst_t;
#define MOVE(src, s, dst, d) ((dst)[d] = vload_half((s), (src)))
#define MOVE8(src, s, dst, d) vstore8(vload_half8(0, (src) + (s)), 0, (dst) + (d))
#else                                        // neither conversion: -DELEM_BYTES=1|2|4|8
#include "bit_copy.h"
typedef elem_t src_t;
typedef elem_t dst_t;
#define MOVE(src, s, dst, d) ((dst)[d] = (src)[s])
#if ELEM_BYTES == 8                          // at most 32-byte vectors (AVX2's width)
#define MOVE8(src, s, dst, d) \
    (vstore4(vload4(0, (src) + (s)), 0, (dst) + (d)), vstore4(vload4(1, (src) + (s)), 1, (dst) + (d)))
#else
#define MOVE8(src, s, dst, d) vstore8(vload8(0, (src) + (s)), 0, (dst) + (d))
#endif
#define BIT_COPY
#endif

// The table row of chunk i: the last row whose chunk start <= i.
inline __global const int *find_row(__global const int *table, const int n_regions, const int i) {
    int lo = 0, hi = n_regions - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (table[mid * TABLE_WIDTH + CHUNK_START] <= i) lo = mid;
        else hi = mid - 1;
    }
    return table + lo * TABLE_WIDTH;
}

// Where chunk `i` of its row starts (source, destination element offsets) and its length.
inline int3 chunk_at(__global const int *row, const int i) {
    const int inner = row[5];
    const int per_row = (inner + CHUNK - 1) / CHUNK;
    const int rest = i - row[CHUNK_START];
    int outer = rest / per_row;
    const int first = (rest - outer * per_row) * CHUNK;
    int s = row[0] + first * row[9], d = row[1] + first * row[13];
    for (int k = 2; k >= 0; --k) {
        const int n = row[2 + k];
        const int c = outer % n;
        outer /= n;
        s += c * row[6 + k];
        d += c * row[10 + k];
    }
    return (int3)(s, d, min(CHUNK, inner - first));
}

__kernel void raster(__global const src_t *src, const int src_base,
                     __global dst_t *dst, const int dst_base,
                     __global const int *table, const int n_regions, const int total) {
    const int i = get_global_id(0);
    if (i >= total) return;
    __global const int *row = find_row(table, n_regions, i);
    const int3 at = chunk_at(row, i);
    const int s = src_base + at.x, d = dst_base + at.y, ss = row[9], ds = row[13];
    if (at.z == CHUNK && ss == 1 && ds == 1) {
        MOVE8(src, s, dst, d);                 // two 8-wide moves: 16-wide vectors change
        MOVE8(src, s + 8, dst, d + 8);         // the ABI without AVX-512 (compiler warnings)
    } else {
        for (int k = 0; k < at.z; ++k) MOVE(src, s + k * ss, dst, d + k * ds);
    }
}

#ifdef BIT_COPY
// FILL regions: the source is the constant `value` (the fill value's bits in the element type).
__kernel void raster_fill(__global elem_t *dst, const int dst_base,
                          __global const int *table, const int n_regions, const int total,
                          const elem_t value) {
    const int i = get_global_id(0);
    if (i >= total) return;
    __global const int *row = find_row(table, n_regions, i);
    const int3 at = chunk_at(row, i);
    const int d = dst_base + at.y, ds = row[13];
    for (int k = 0; k < at.z; ++k) dst[d + k * ds] = value;
}
#endif
