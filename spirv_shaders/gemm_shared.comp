#version 450
// The GEMM core of gemm.comp (same operands, push constants and epilogue: gemm_tile.glsl) as a
// blocked product through shared memory: a work-group of WG_X x WG_Y invocations, each computing
// TM rows x TN columns, covers WG_Y row blocks of one group x SPAN = WG_X * TN columns; per KC
// rows of B (one tap), the work-group loads the KC x SPAN block of B into shared memory once
// (columns past N as zeros) and every row block reads it from there, so each value of B is read
// from the buffer once per work-group instead of once per row block. A is read per row block as
// in gemm.comp. Grid: x over column spans, y over (group, padded row blocks), z over batches.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"

#define WG_X 16
#define WG_Y 4
#define KC 8
#define SPAN (WG_X * TN)

layout(local_size_x = WG_X, local_size_y = WG_Y, local_size_z = 1) in;
#include "gemm_tile.glsl"

shared vec4 bs[KC][SPAN / 4];

void main() {
    const int lx = int(gl_LocalInvocationID.x), ly = int(gl_LocalInvocationID.y);
    const int lid = ly * WG_X + lx;
    const int n_base = int(gl_WorkGroupID.x) * SPAN, n0 = n_base + lx * TN;
    const int spans = (p.MBg + WG_Y - 1) / WG_Y;                 // work-groups along y per group
    const int g = int(gl_WorkGroupID.y) / spans;
    const int mb = (int(gl_WorkGroupID.y) - g * spans) * WG_Y + ly;
    const int z = int(gl_WorkGroupID.z);
    const bool live_tile = mb < p.MBg && n0 < p.N;                  // (inactive ones still load and wait)
    int ap = batches[3 * z] + (g * p.MBg + min(mb, p.MBg - 1)) * (p.n_taps * p.C * TM);
    const int bz = batches[3 * z + 1] + g * p.C * p.b_cstride + n_base;

    vec4 acc[TM][NV];
    [[unroll]] for (int i = 0; i < TM; ++i) {
        [[unroll]] for (int v = 0; v < NV; ++v) acc[i][v] = vec4(0.0);
    }
    for (int t = 0; t < p.n_taps; ++t) {
        const int bt = bz + taps[t];
        for (int k0 = 0; k0 < p.C; k0 += KC) {
            barrier();                                           // the block before is consumed
            for (int e = lid; e < KC * SPAN / 4; e += WG_X * WG_Y) {
                const int kk = e / (SPAN / 4), col = (e - kk * (SPAN / 4)) * 4;
                const int row = bt + (k0 + kk) * p.b_cstride + col;
                vec4 v4 = vec4(0.0);
                if (k0 + kk < p.C) {
                    [[unroll]] for (int j = 0; j < 4; ++j)
                        if (n_base + col + j < p.N) v4[j] = FETCH(b, row + j);
                }
                bs[kk][col / 4] = v4;
            }
            barrier();
            const int steps = min(KC, p.C - k0);
            for (int kk = 0; kk < steps; ++kk) {
                vec4 bv[NV];
                [[unroll]] for (int v = 0; v < NV; ++v) bv[v] = bs[kk][lx * NV + v];
                MULTIPLY_ADD;
                ap += TM;
            }
        }
    }
    if (live_tile) store_tile(n0, g, mb, z, acc);
}
