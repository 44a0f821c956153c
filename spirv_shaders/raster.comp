#version 450
// Region copy (gpu_infer.geometry): every data-movement op as one shader, as cl_kernels/raster.cl.
//
// One dispatch per (source, destination) pair of a RasterPlan. A region is a row of TABLE_WIDTH
// ints (gpu_infer/geometry/table.py):
//   [0] src_offset  [1] dst_offset  [2..5] size  [6..9] src strides  [10..13] dst strides
//   [14] start (elements of the rows before)  [15] chunk start (chunks of the rows before)
// sizes padded with 1 and strides with 0 at the front, outermost first. An invocation copies one
// chunk: up to CHUNK consecutive elements of a row's innermost dimension (vulkan/ops/raster.py
// fills column 15), so the row search and the div/mod of the outer indices are paid once per
// CHUNK elements. A dispatch of one region (Concat, Split, Slice, a conversion) takes its row
// from the push constants; several read `table` (binding 2) and find their row by binary
// search over the chunk starts. A chunk whose strides are both 1 is CHUNK straight moves.
// src_base / dst_base: element offsets of the tensors inside their bound ranges (an arena).
//
// lavapipe loads storage-buffer elements lane by lane but fetches texels as a vector gather
// (vulkan/texel.py): the .tx variants (TEXEL_READS) read the source through a uniform texel
// buffer, of R8/R16/R32/R32G32_UINT texels for the bit copies, R32/R16_SFLOAT for the
// conversions. Stores stay storage-buffer stores (cheap there).
//
// Variants (spirv_shaders/compile.py builds each one):
//   ELEM_BYTES=1|2|4|8     bit copies: uint8_t (8-bit storage), uint16_t (16-bit storage),
//                          uint, uvec2 (no int64 feature needed)
//   ELEM_BYTES=n FILL      FILL regions: writes the push constant's value (its low bytes; 8-byte
//                          elements take fill_lo, fill_hi); binding 0 is not used
//   CONVERT_F32_TO_F16     float source, float16_t destination (16-bit storage)
//   CONVERT_F16_TO_F32     float16_t source, float destination (16-bit storage)
// Bindings: 0 source, 1 destination, 2 table, 3 the source again, four elements per index (not
// with 8-byte elements): a contiguous chunk starting at a multiple of 4 is four such reads.
// Push constants: the Params block below (88 bytes).
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"

#if defined(CONVERT_F32_TO_F16)
#extension GL_EXT_shader_16bit_storage : require
#define SRC_T float
#define DST_T float16_t
#define MOVE(v) float16_t(v)
#define TEXEL_SAMPLER samplerBuffer
#define SRC4_T vec4
#elif defined(CONVERT_F16_TO_F32)
#extension GL_EXT_shader_16bit_storage : require
#define SRC_T float16_t
#define DST_T float
#define MOVE(v) float(v)
#define TEXEL_SAMPLER samplerBuffer
#define SRC4_T f16vec4
#elif ELEM_BYTES == 1
#extension GL_EXT_shader_8bit_storage : require
#define SRC_T uint8_t
#define MOVE(v) uint8_t(uint(v))
#define FILL_VALUE uint8_t(p.fill_lo)
#define SRC4_T u8vec4
#elif ELEM_BYTES == 2
#extension GL_EXT_shader_16bit_storage : require
#define SRC_T uint16_t
#define MOVE(v) uint16_t(uint(v))
#define FILL_VALUE uint16_t(p.fill_lo)
#define SRC4_T u16vec4
#elif ELEM_BYTES == 4
#define SRC_T uint
#define FILL_VALUE p.fill_lo
#define SRC4_T uvec4
#elif ELEM_BYTES == 8
#define SRC_T uvec2
#define FILL_VALUE uvec2(p.fill_lo, p.fill_hi)
#define TEXEL_PART xy
#else
#error "define ELEM_BYTES=1|2|4|8, CONVERT_F32_TO_F16 or CONVERT_F16_TO_F32"
#endif
#ifndef DST_T
#define DST_T SRC_T
#endif
#ifndef MOVE
#define MOVE(v) (v)
#endif
#ifndef TEXEL_SAMPLER
#define TEXEL_SAMPLER usamplerBuffer
#endif
#ifndef TEXEL_PART
#define TEXEL_PART x
#endif
#if defined(CONVERT_F32_TO_F16) || defined(CONVERT_F16_TO_F32)
#define REG4_T vec4             // four source elements in registers
#else
#define REG4_T uvec4
#endif

#define TABLE_WIDTH 16
#define CHUNK_START 15
#define CHUNK 16

LOCAL_SIZE_LAYOUT;
#ifndef FILL
#ifdef TEXEL_READS
layout(binding = 0) uniform TEXEL_SAMPLER src;
layout(binding = 3) uniform TEXEL_SAMPLER src4;
#define LOAD(i) texelFetch(src, i).TEXEL_PART
#define LOAD4(i) texelFetch(src4, i)
#else
layout(std430, binding = 0) readonly buffer Src { SRC_T src[]; };
#ifdef SRC4_T
layout(std430, binding = 3) readonly buffer Src4 { SRC4_T src4[]; };
#endif
#define LOAD(i) src[i]
#define LOAD4(i) src4[i]
#endif
#endif
layout(std430, binding = 1) writeonly buffer Dst { DST_T dst[]; };
layout(std430, binding = 2) readonly buffer Table { int table[]; };
layout(push_constant) uniform Params {
    int src_base;
    int dst_base;
    int n_regions;
    int total;              // chunks
    uint fill_lo;
    uint fill_hi;
    int row[TABLE_WIDTH];   // the only region of a one-region dispatch
} p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    int row[TABLE_WIDTH];
    if (p.n_regions == 1) {
        row = p.row;
    } else {
        int lo = 0, hi = p.n_regions - 1;   // the last row whose chunk start <= i
        while (lo < hi) {
            const int mid = (lo + hi + 1) >> 1;
            if (table[mid * TABLE_WIDTH + CHUNK_START] <= i) lo = mid;
            else hi = mid - 1;
        }
        for (int k = 0; k < TABLE_WIDTH; ++k) row[k] = table[lo * TABLE_WIDTH + k];
    }
    const int inner = row[5], per_row = (inner + CHUNK - 1) / CHUNK;
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
    s += p.src_base;
    d += p.dst_base;
    const int count = min(CHUNK, inner - first), ss = row[9], ds = row[13];
#ifdef FILL
    for (int k = 0; k < count; ++k) dst[d + k * ds] = FILL_VALUE;
#else
    if (count == CHUNK && ss == 1 && ds == 1) {
#ifdef SRC4_T
        if ((s & 3) == 0) {                 // four elements per fetch
            for (int k = 0; k < CHUNK / 4; ++k) {
                const REG4_T v = REG4_T(LOAD4((s >> 2) + k));
                for (int c = 0; c < 4; ++c) dst[d + 4 * k + c] = MOVE(v[c]);
            }
            return;
        }
#endif
        for (int k = 0; k < CHUNK; ++k) dst[d + k] = MOVE(LOAD(s + k));
    } else {
        for (int k = 0; k < count; ++k) dst[d + k * ds] = MOVE(LOAD(s + k * ss));
    }
#endif
}
