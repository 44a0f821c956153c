// gemm.comp's bindings, push constants and the epilogue that stores an invocation's TM x TN tile
// (gemm.comp's header explains the operands). Needs TM, TN defined, precision.glsl, types.glsl and
// activation.glsl included first. A and B are read through texel.glsl (texel buffers in the .tx
// variants), four elements at a time from bindings 6 and 7, and B also one at a time from binding 1
// (the same tensor); binding 0 is unused.
#include "texel.glsl"

#define NV (TN / 4)

READ_BUFFER(1, b);
READ_BUFFER4(6, a4);
READ_BUFFER4(7, b4);
layout(std430, binding = 2) readonly buffer Cm { store_t c[]; };
layout(std430, binding = 3) readonly buffer Taps { int taps[]; };
layout(std430, binding = 4) readonly buffer Batches { int batches[]; };
layout(std430, binding = 5) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params {
    int n_taps, C, G, MBg, Mg, N, n_safe, b_cstride, y_mstride, P, OW, PH, OH, has_c, c_ms, c_ns, aligned;
    float alpha, beta;
    int act;
    float act_a, act_b;
} p;

// Stores acc (rows mb*TM.., columns n0..n0+TN-1 of group g, grid slice z): alpha, beta * C, the
// fused activation, the output plane's mapping.
void store_tile(const int n0, const int g, const int mb, const int z, const vec4 acc[TM][NV]) {
    const int live = p.N - n0;
    // where each column of the tile is stored (-1: not stored), stepped without divisions
    int dst[TN];
    const bool plain = p.P == p.OW && p.PH == p.OH;
    if (plain) {
        [[unroll]] for (int j = 0; j < TN; ++j) dst[j] = j < live ? n0 + j : -1;
    } else {
        const int first_row = n0 / p.P;
        int w = n0 - first_row * p.P, d = first_row / p.PH, h = first_row - d * p.PH;
        [[unroll]] for (int j = 0; j < TN; ++j) {
            dst[j] = j < live && w < p.OW && h < p.OH ? (d * p.OH + h) * p.OW + w : -1;
            if (++w == p.P) {
                w = 0;
                if (++h == p.PH) { h = 0; ++d; }
            }
        }
    }
    const int yz = batches[3 * z + 2];
    [[unroll]] for (int i = 0; i < TM; ++i) {
        const int m = mb * TM + i;
        if (m >= p.Mg) break;
        const int ch = g * p.Mg + m;
        const int yc = yz + ch * p.y_mstride;
        const float row_c = p.has_c != 0 && p.c_ns == 0 ? p.beta * float(c[ch * p.c_ms]) : 0.0;
        [[unroll]] for (int v = 0; v < NV; ++v) {
            [[unroll]] for (int j = 0; j < 4; ++j) {
                const int col = 4 * v + j;
                if (dst[col] < 0) continue;
                float o = acc[i][v][j] * p.alpha + row_c;
                if (p.has_c != 0 && p.c_ns != 0) o += p.beta * float(c[ch * p.c_ms + (n0 + col) * p.c_ns]);
                y[yc + dst[col]] = store_t(activate(p.act, o, p.act_a, p.act_b));
            }
        }
    }
}
