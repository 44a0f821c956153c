#version 450
// Resize and Upsample, gpu_infer/backends/vulkan/ops/resize.py, as cl_kernels/resize.cl.
//
// The output is seen as (lead, OH, OW): its last two axes and everything before them
// flattened. The host computed, once, the taps each output index of the three parts reads
// (gpu_infer/backends/poolnorm/resample.py): an input element offset (lead: of the leading
// axes' position; rows: ih * W; cols: iw) and a weight. They lie in one int table (weights as
// float bits), a section per part, tap-major:
//   offsets[t * n + o] (n * taps of them), then weights[t * n + o]   (n: the part's size)
// An offset of -1 (in tap 0) marks a coordinate outside the input (tf_crop_and_resize): the
// output there is `extrapolation`. Output (q, oh, ow) = sum over the taps of the three parts of
// w_lead * w_row * w_col * x[off_lead + off_row + off_col]. An invocation computes a tile of
// TILE_LINES lines (a line: one (q, oh)) by TILE_COLS neighbouring columns, so it reads each
// line's lead and row taps once for TILE_COLS outputs and each column's taps (up to CACHED_TAPS
// of them: nearest, linear, cubic) once for TILE_LINES; neighbouring invocations take
// neighbouring column blocks. Float data is read through texel views (reduction.glsl).
// Variants: NEAREST (one tap per part, no weights; any element type, reduction.glsl) or the
// weighed taps (linear, cubic, antialiased: float data, summed in float).
// Bindings: 0 input, 1 output, 2 table. Push constants: Params (40 bytes).
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

#define TILE_LINES 4
#define TILE_COLS 4

LOCAL_SIZE_LAYOUT;
READ_DATA(0, src);
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(std430, binding = 2) readonly buffer Table { int table[]; };
layout(push_constant) uniform Params { int size[3], taps[3], section[3]; float extrapolation; } p;

// tap t's offset and weight of output index o of part k
int offset_of(const int k, const int t, const int o) { return table[p.section[k] + t * p.size[k] + o]; }
float weight_of(const int k, const int t, const int o) {
    return intBitsToFloat(table[p.section[k] + (p.taps[k] + t) * p.size[k] + o]);
}

#define CACHED_TAPS 4                               // column taps kept in registers (linear, cubic)

void main() {
    const int lines = p.size[0] * p.size[1], blocks = (p.size[2] + TILE_COLS - 1) / TILE_COLS;
    const int t = INVOCATION_INDEX;
    if (t >= blocks * ((lines + TILE_LINES - 1) / TILE_LINES)) return;
    const int ow0 = (t % blocks) * TILE_COLS, line0 = (t / blocks) * TILE_LINES;
    const int cols = min(TILE_COLS, p.size[2] - ow0);
    const bool cached = p.taps[2] <= CACHED_TAPS;
    int col[TILE_COLS][CACHED_TAPS];                    // column taps: offsets (tap 0 < 0: outside)
#ifndef NEAREST
    float col_w[TILE_COLS][CACHED_TAPS];                // and weights
#endif
    [[unroll]] for (int c = 0; c < TILE_COLS; ++c)
        [[unroll]] for (int k = 0; k < CACHED_TAPS; ++k) {
            const bool live = c < cols && k < p.taps[2] && (k == 0 || cached);
            col[c][k] = live ? offset_of(2, k, ow0 + c) : -1;
#ifndef NEAREST
            col_w[c][k] = live ? weight_of(2, k, ow0 + c) : 0.0;
#endif
        }
    for (int l = line0; l < min(line0 + TILE_LINES, lines); ++l) {
        const int q = l / p.size[1], oh = l % p.size[1];
        const bool line_in = offset_of(0, 0, q) >= 0 && offset_of(1, 0, oh) >= 0;
#ifdef NEAREST
        const int at = offset_of(0, 0, q) + offset_of(1, 0, oh);
#else
        float acc[TILE_COLS];
        [[unroll]] for (int c = 0; c < TILE_COLS; ++c) acc[c] = 0.0;
        for (int i = 0; i < (line_in ? p.taps[0] : 0); ++i) {
            const float wl = weight_of(0, i, q);
            for (int j = 0; j < p.taps[1]; ++j) {
                const float w = wl * weight_of(1, j, oh);
                const int base = offset_of(0, i, q) + offset_of(1, j, oh);
                [[unroll]] for (int c = 0; c < TILE_COLS; ++c) {
                    if (c >= cols) break;
                    float line = 0.0;
                    if (cached) {
                        [[unroll]] for (int k = 0; k < CACHED_TAPS; ++k)
                            if (k < p.taps[2]) line += col_w[c][k] * LOAD(src, base + max(col[c][k], 0));
                    } else {
                        for (int k = 0; k < p.taps[2]; ++k)
                            line += weight_of(2, k, ow0 + c) * LOAD(src, base + max(offset_of(2, k, ow0 + c), 0));
                    }
                    acc[c] += w * line;
                }
            }
        }
#endif
        [[unroll]] for (int c = 0; c < TILE_COLS; ++c) {
            if (c >= cols) break;
            const int o = l * p.size[2] + ow0 + c;
            if (!line_in || col[c][0] < 0) STOREV(dst, o, val_t(p.extrapolation));
#ifdef NEAREST
            else STOREV(dst, o, LOAD(src, at + col[c][0]));
#else
            else STOREV(dst, o, acc[c]);
#endif
        }
    }
}
