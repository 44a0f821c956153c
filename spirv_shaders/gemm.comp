#version 450
// The GEMM core of Gemm, MatMul, Conv (pointwise, general over padded planes, Winograd's
// products) and ConvTranspose, as cl_kernels/gemm_tile.h: an invocation computes TM output rows x
// TN consecutive output columns (TM, TN per variant: gpu_infer/backends/vulkan/ops/gemm_core.py)
//
//   y[ch][n] = act(alpha * sum over taps t and rows c of A[ch][t][c] * B[c][taps[t] + n] + beta * C[ch][n])
//
// A: packed once, [group][row block][t][c][TM] (rows past a group's Mg are zeros).
// B: rows `b_cstride` elements apart, read along n shifted by the tap's offset (taps = {0} for a
//    plain GEMM); group g reads rows [g*C, (g+1)*C).
// batches: per grid z, the element offsets of A, B and y.
// Tiles whose reads all stay below `n_safe` read without checks; the others read columns past N
// as zeros. Sums accumulate in float at every precision (fp16-arith multiplies in half).
// Output column n is element (row d, h, w) of a plane P wide and PH high (n = (d*PH + h)*P + w);
// those with w < OW and h < OH are stored at (d*OH + h)*OW + w of channel ch (rows y_mstride
// apart). A plain matrix has P = OW = N and PH = OH = 1.
// Bindings: 0 A, 1 B, 2 C (ignored unless has_c), 3 taps, 4 batches, 5 y.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"

#define NV (TN / 4)
#if defined(COMPUTE_HALF) || defined(STORAGE_HALF)
#define store4_t f16vec4
#else
#define store4_t vec4
#endif

// acc += A's TM values of this (tap, channel) step x the TN values of B in bv; next step
#if defined(COMPUTE_HALF)
#define ACCUMULATE \
    [[unroll]] for (int i = 0; i < TM; ++i) { \
        const f16vec4 av = f16vec4(a[ap + i]); \
        [[unroll]] for (int v = 0; v < NV; ++v) acc[i][v] += vec4(av * f16vec4(bv[v])); \
    } \
    ap += TM; \
    bp += p.b_cstride
#else
#define ACCUMULATE \
    [[unroll]] for (int i = 0; i < TM; ++i) { \
        const vec4 av = vec4(float(a[ap + i])); \
        [[unroll]] for (int v = 0; v < NV; ++v) acc[i][v] = fma(av, bv[v], acc[i][v]); \
    } \
    ap += TM; \
    bp += p.b_cstride
#endif
// the same with A read as vectors and B's step in vectors
#define ACCUMULATE4 \
    [[unroll]] for (int q = 0; q < TM / 4; ++q) { \
        const vec4 a4v = vec4(a4[(ap >> 2) + q]); \
        [[unroll]] for (int r = 0; r < 4; ++r) { \
            [[unroll]] for (int v = 0; v < NV; ++v) acc[4 * q + r][v] = fma(vec4(a4v[r]), bv[v], acc[4 * q + r][v]); \
        } \
    } \
    ap += TM; \
    bp += p.b_cstride >> 2

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(std430, binding = 0) readonly buffer A { store_t a[]; };
layout(std430, binding = 1) readonly buffer B { store_t b[]; };
layout(std430, binding = 1) readonly buffer B4 { store4_t b4[]; };      // B as vectors (aligned reads)
layout(std430, binding = 0) readonly buffer A4 { store4_t a4[]; };
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

void main() {
    const int n0 = int(gl_GlobalInvocationID.x) * TN;
    const int gm = int(gl_GlobalInvocationID.y);
    const int z = int(gl_GlobalInvocationID.z);
    const int g = gm / p.MBg;
    if (n0 >= p.N || g >= p.G) return;
    const int mb = gm - g * p.MBg;
    int ap = batches[3 * z] + gm * (p.n_taps * p.C * TM);
    const int bz = batches[3 * z + 1] + g * p.C * p.b_cstride + n0;
    const bool full = n0 + TN <= p.n_safe;
    const int live = p.N - n0;

    vec4 acc[TM][NV];
    [[unroll]] for (int i = 0; i < TM; ++i) {
        [[unroll]] for (int v = 0; v < NV; ++v) acc[i][v] = vec4(0.0);
    }
    if (full && p.aligned != 0) {
        for (int t = 0; t < p.n_taps; ++t) {
            int bp = (bz + taps[t]) >> 2;
            for (int k = 0; k < p.C; ++k) {
                vec4 bv[NV];
                [[unroll]] for (int v = 0; v < NV; ++v) bv[v] = vec4(b4[bp + v]);
                ACCUMULATE4;
            }
        }
    } else if (full) {
        for (int t = 0; t < p.n_taps; ++t) {
            int bp = bz + taps[t];
            for (int k = 0; k < p.C; ++k) {
                vec4 bv[NV];
                [[unroll]] for (int v = 0; v < NV; ++v)
                    bv[v] = vec4(b[bp + 4 * v], b[bp + 4 * v + 1], b[bp + 4 * v + 2], b[bp + 4 * v + 3]);
                ACCUMULATE;
            }
        }
    } else {
        for (int t = 0; t < p.n_taps; ++t) {
            int bp = bz + taps[t];
            for (int k = 0; k < p.C; ++k) {
                vec4 bv[NV];
                [[unroll]] for (int v = 0; v < NV; ++v) {
                    [[unroll]] for (int j = 0; j < 4; ++j) bv[v][j] = 4 * v + j < live ? float(b[bp + 4 * v + j]) : 0.0;
                }
                ACCUMULATE;
            }
        }
    }

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
