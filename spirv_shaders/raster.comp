#version 450
// Region copy (gpu_infer.geometry): every data-movement op as one shader, as cl_kernels/raster.cl.
//
// One dispatch per (source, destination) pair of a RasterPlan. `table` holds one row of
// TABLE_WIDTH ints per region (gpu_infer/geometry/table.py):
//   [0] src_offset  [1] dst_offset  [2..5] size  [6..9] src strides  [10..13] dst strides
//   [14] start (elements of the rows before)  [15] unused
// sizes padded with 1 and strides with 0 at the front, outermost first. Invocation i (of
// `total`) finds its row by binary search over `start`, its indices by div/mod.
// src_base / dst_base: element offsets of the tensors inside their buffers (an arena).
//
// Variants (spirv_shaders/compile.py builds each one):
//   ELEM_BYTES=1|2|4|8     bit copies: uint8_t (8-bit storage), uint16_t (16-bit storage),
//                          uint, uvec2 (no int64 feature needed)
//   ELEM_BYTES=n FILL      FILL regions: writes the push constant's value (its low bytes; 8-byte
//                          elements take fill_lo, fill_hi); binding 0 is not used
//   CONVERT_F32_TO_F16     float source, float16_t destination (16-bit storage)
//   CONVERT_F16_TO_F32     float16_t source, float destination (16-bit storage)
// Bindings: 0 source, 1 destination, 2 table. Push constants: the Params block below (24 bytes).
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"

#if defined(CONVERT_F32_TO_F16)
#extension GL_EXT_shader_16bit_storage : require
#define SRC_T float
#define DST_T float16_t
#define MOVE(v) float16_t(v)
#elif defined(CONVERT_F16_TO_F32)
#extension GL_EXT_shader_16bit_storage : require
#define SRC_T float16_t
#define DST_T float
#define MOVE(v) float(v)
#elif ELEM_BYTES == 1
#extension GL_EXT_shader_8bit_storage : require
#define SRC_T uint8_t
#define FILL_VALUE uint8_t(p.fill_lo)
#elif ELEM_BYTES == 2
#extension GL_EXT_shader_16bit_storage : require
#define SRC_T uint16_t
#define FILL_VALUE uint16_t(p.fill_lo)
#elif ELEM_BYTES == 4
#define SRC_T uint
#define FILL_VALUE p.fill_lo
#elif ELEM_BYTES == 8
#define SRC_T uvec2
#define FILL_VALUE uvec2(p.fill_lo, p.fill_hi)
#else
#error "define ELEM_BYTES=1|2|4|8, CONVERT_F32_TO_F16 or CONVERT_F16_TO_F32"
#endif
#ifndef DST_T
#define DST_T SRC_T
#define MOVE(v) (v)
#endif

#define TABLE_WIDTH 16
#define START 14

LOCAL_SIZE_LAYOUT;
#ifndef FILL
layout(std430, binding = 0) readonly buffer Src { SRC_T src[]; };
#endif
layout(std430, binding = 1) writeonly buffer Dst { DST_T dst[]; };
layout(std430, binding = 2) readonly buffer Table { int table[]; };
layout(push_constant) uniform Params {
    int src_base;
    int dst_base;
    int n_regions;
    int total;
    uint fill_lo;
    uint fill_hi;
} p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    int lo = 0, hi = p.n_regions - 1;       // the last row whose start <= i
    while (lo < hi) {
        const int mid = (lo + hi + 1) >> 1;
        if (table[mid * TABLE_WIDTH + START] <= i) lo = mid;
        else hi = mid - 1;
    }
    const int row = lo * TABLE_WIDTH;
    int rest = i - table[row + START], s = table[row], d = table[row + 1];
    for (int k = 3; k >= 0; --k) {
        const int n = table[row + 2 + k];
        const int c = rest % n;
        rest /= n;
        s += c * table[row + 6 + k];
        d += c * table[row + 10 + k];
    }
#ifdef FILL
    dst[p.dst_base + d] = FILL_VALUE;
#else
    dst[p.dst_base + d] = MOVE(src[p.src_base + s]);
#endif
}
