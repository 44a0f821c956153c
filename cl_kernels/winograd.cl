// Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and dilation 1 (Lavin & Gray, 2015):
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A   per 2x2 output tile, d its 4x4 input tile;
// the weights' transform G g G^T is done once on the host (gpu_infer/backends/opencl/ops/conv_winograd.py),
// the sums over input channels are 16 GEMMs (gemm.cl), one per tile position p of the 4x4.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]     A^T = [1 1 1 0; 0 1 -1 -1]
// Layouts: V[b*16 + p][c][t] and the products P[b*16 + p][m][t], t = ty * TW + tx.
#include "precision.h"
#include "float_io.h"
#include "activation_any.h"

// B^T v of four values (a row or a column of a tile), in place.
inline void input_1d(float *v) {
    const float a = v[0] - v[2], b = v[1] + v[2], c = v[2] - v[1], d = v[1] - v[3];
    v[0] = a; v[1] = b; v[2] = c; v[3] = d;
}

// Work-item: the 16 transformed values of one tile of one channel (zeros outside the input).
__kernel void winograd_input(__global const store_t *x, const int x_base, __global store_t *v, const int v_base,
                             const int C, const int H, const int W, const int TH, const int TW,
                             const int pad_top, const int pad_left) {
    const int tx = get_global_id(0);
    const int ty = get_global_id(1);
    const int bc = get_global_id(2);
    if (tx >= TW || ty >= TH) return;
    const int b = bc / C, c = bc - b * C;
    __global const store_t *xc = x + x_base + bc * H * W;
    const int h0 = 2 * ty - pad_top, w0 = 2 * tx - pad_left;
    float d[4][4];
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int h = h0 + i;
        #pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int w = w0 + j;
            d[i][j] = h >= 0 && h < H && w >= 0 && w < W ? LOADF(xc, h * W + w) : 0.0f;
        }
        input_1d(d[i]);                                    // along the row
    }
    const int T = TH * TW;
    __global store_t *vt = v + v_base + (b * 16 * C + c) * T + ty * TW + tx;
    #pragma unroll
    for (int j = 0; j < 4; ++j) {                          // along the columns
        float col[4] = {d[0][j], d[1][j], d[2][j], d[3][j]};
        input_1d(col);
        #pragma unroll
        for (int i = 0; i < 4; ++i) STOREF(col[i], ((i * 4 + j) * C) * T, vt);
    }
}

// A^T v of four values: two.
inline float2 output_1d(const float a, const float b, const float c, const float d) {
    return (float2)(a + b + c, b - c - d);
}

// Work-item: one 2x2 output tile of one output channel, with the bias and the fused activation.
__kernel void winograd_output(__global const store_t *p, const int p_base, __global const store_t *bias,
                              const int bias_base, const int has_bias, __global store_t *y, const int y_base,
                              const int M, const int OH, const int OW, const int TH, const int TW,
                              const int act, const float act_a, const float act_b) {
    const int tx = get_global_id(0);
    const int ty = get_global_id(1);
    const int bm = get_global_id(2);
    if (tx >= TW || ty >= TH) return;
    const int b = bm / M, m = bm - b * M;
    const int T = TH * TW;
    __global const store_t *pt = p + p_base + (b * 16 * M + m) * T + ty * TW + tx;
    float2 cols[4];                                        // down each column
    #pragma unroll
    for (int j = 0; j < 4; ++j)
        cols[j] = output_1d(LOADF(pt, (j * M) * T), LOADF(pt, ((4 + j) * M) * T), LOADF(pt, ((8 + j) * M) * T),
                            LOADF(pt, ((12 + j) * M) * T));
    const float add = has_bias ? LOADF(bias, bias_base + m) : 0.0f;
    const float2 top = output_1d(cols[0].s0, cols[1].s0, cols[2].s0, cols[3].s0) + add;   // along the rows
    const float2 bottom = output_1d(cols[0].s1, cols[1].s1, cols[2].s1, cols[3].s1) + add;
    __global store_t *ym = y + y_base + bm * OH * OW;
    const int h = 2 * ty, w = 2 * tx;
    STOREF(activate_by(act, top.s0, act_a, act_b), h * OW + w, ym);
    if (w + 1 < OW) STOREF(activate_by(act, top.s1, act_a, act_b), h * OW + w + 1, ym);
    if (h + 1 < OH) {
        STOREF(activate_by(act, bottom.s0, act_a, act_b), (h + 1) * OW + w, ym);
        if (w + 1 < OW) STOREF(activate_by(act, bottom.s1, act_a, act_b), (h + 1) * OW + w + 1, ym);
    }
}
