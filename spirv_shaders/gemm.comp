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
// as zeros. Products and sums are computed in float at every precision. A is read as vectors (its
// offsets are multiples of TM); B too where its rows, taps and batch slices start on a vec4
// (`aligned`), or where only the taps do not: then per tap through a shift's swizzle.
// Output column n is element (row d, h, w) of a plane P wide and PH high (n = (d*PH + h)*P + w);
// those with w < OW and h < OH are stored at (d*OH + h)*OW + w of channel ch (rows y_mstride
// apart). A plain matrix has P = OW = N and PH = OH = 1.
// Bindings: 0 unused, 1 B, 2 C (ignored unless has_c), 3 taps, 4 batches, 5 y, 6 A and 7 B as vectors.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"

// the TM values of A at ap, read as vectors, times bv into acc (whole-vector path)
#define MULTIPLY_ADD4 \
    [[unroll]] for (int q = 0; q < TM / 4; ++q) { \
        const vec4 a4v = FETCH4(a4, (ap >> 2) + q); \
        [[unroll]] for (int r = 0; r < 4; ++r) { \
            [[unroll]] for (int v = 0; v < NV; ++v) acc[4 * q + r][v] = fma(vec4(a4v[r]), bv[v], acc[4 * q + r][v]); \
        } \
    }

// the rows of B of one tap from vector bp on (rows b_cstride apart, a multiple of 4), each
// element's vector `bv[v]` recombined from the NV + 1 vectors w read by `pick` (an expression of w, v)
#define SHIFTED_ROWS(pick) \
    for (int k = 0; k < p.C; ++k) { \
        vec4 w[NV + 1]; \
        [[unroll]] for (int v = 0; v <= NV; ++v) w[v] = FETCH4(b4, bp + v); \
        vec4 bv[NV]; \
        [[unroll]] for (int v = 0; v < NV; ++v) bv[v] = pick; \
        MULTIPLY_ADD4; \
        ap += TM; \
        bp += p.b_cstride >> 2; \
    }

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
#include "gemm_tile.glsl"

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
                [[unroll]] for (int v = 0; v < NV; ++v) bv[v] = FETCH4(b4, bp + v);
                MULTIPLY_ADD4;
                ap += TM;
                bp += p.b_cstride >> 2;
            }
        }
    } else if (full && (p.b_cstride & 3) == 0 && n0 + TN + 4 <= p.n_safe) {
        // B's rows start off a vec4 by the same shift for every invocation of a tap: NV + 1 aligned
        // vectors per row, recombined by the shift's swizzle (one loop per shift)
        for (int t = 0; t < p.n_taps; ++t) {
            const int first = bz + taps[t];
            int bp = first >> 2;
            switch (first & 3) {
            case 0: SHIFTED_ROWS(w[v]); break;
            case 1: SHIFTED_ROWS(vec4(w[v].yzw, w[v + 1].x)); break;
            case 2: SHIFTED_ROWS(vec4(w[v].zw, w[v + 1].xy)); break;
            default: SHIFTED_ROWS(vec4(w[v].w, w[v + 1].xyz)); break;
            }
        }
    } else {
        for (int t = 0; t < p.n_taps; ++t) {
            int bp = bz + taps[t];
            for (int k = 0; k < p.C; ++k) {
                vec4 bv[NV];
                [[unroll]] for (int v = 0; v < NV; ++v) {
                    [[unroll]] for (int j = 0; j < 4; ++j)
                        bv[v][j] = full || 4 * v + j < live ? FETCH(b, bp + 4 * v + j) : 0.0;
                }
                MULTIPLY_ADD4;
                ap += TM;
                bp += p.b_cstride;
            }
        }
    }

    store_tile(n0, g, mb, z, acc);
}
