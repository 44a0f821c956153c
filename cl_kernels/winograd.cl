// Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and dilation 1 (Lavin & Gray, 2015):
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A   per 2x2 output tile, d its 4x4 input tile;
// the weights' transform G g G^T is done once on the host (gpu_infer/backends/opencl/ops/conv_winograd.py),
// the sums over input channels are 16 GEMMs (gemm.cl), one per tile position p of the 4x4.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]     A^T = [1 1 1 0; 0 1 -1 -1]
// Layouts: V[b*16 + p][c][t] and the products P[b*16 + p][m][t], t = ty * TW + tx.
// A work-item transforms four consecutive tiles of a row at once, as float4 lanes.
#include "precision.h"
#include "float_io.h"
#include "activation_any.h"

// B^T v of four values (a row or a column of tiles), in place.
inline void input_1d(float4 *v) {
    const float4 a = v[0] - v[2], b = v[1] + v[2], c = v[2] - v[1], d = v[1] - v[3];
    v[0] = a; v[1] = b; v[2] = c; v[3] = d;
}

// Ten consecutive input values of a row from column w0 (zeros outside the row or the input).
inline void row_values(__global const store_t *row, const int inside, const int w0, const int W, float *e) {
    if (inside && w0 >= 0 && w0 + 10 <= W) {
        vstore8(LOADF8(row, w0), 0, e);
        e[8] = LOADF(row, w0 + 8);
        e[9] = LOADF(row, w0 + 9);
    } else {
        #pragma unroll
        for (int j = 0; j < 10; ++j) e[j] = inside && w0 + j >= 0 && w0 + j < W ? LOADF(row, w0 + j) : 0.0f;
    }
}

// Work-item: the 16 transformed values of tiles tx0 .. tx0+3 of row ty of one channel.
__kernel void winograd_input(__global const store_t *x, const int x_base, __global store_t *v, const int v_base,
                             const int C, const int H, const int W, const int TH, const int TW,
                             const int pad_top, const int pad_left) {
    const int tx0 = get_global_id(0) * 4;
    const int ty = get_global_id(1);
    const int bc = get_global_id(2);
    if (tx0 >= TW || ty >= TH) return;
    const int b = bc / C, c = bc - b * C;
    __global const store_t *xc = x + x_base + bc * H * W;
    const int h0 = 2 * ty - pad_top, w0 = 2 * tx0 - pad_left;
    float4 d[4][4];                                        // d[i][j]: row i, column j of each tile
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int h = h0 + i;
        float e[10];
        row_values(xc + h * W, h >= 0 && h < H, w0, W, e);
        d[i][0] = (float4)(e[0], e[2], e[4], e[6]);
        d[i][1] = (float4)(e[1], e[3], e[5], e[7]);
        d[i][2] = (float4)(e[2], e[4], e[6], e[8]);
        d[i][3] = (float4)(e[3], e[5], e[7], e[9]);
        input_1d(d[i]);                                    // along the row
    }
    const int T = TH * TW, live = min(4, TW - tx0);
    __global store_t *vt = v + v_base + (b * 16 * C + c) * T + ty * TW + tx0;
    #pragma unroll
    for (int j = 0; j < 4; ++j) {                          // along the columns
        float4 col[4] = {d[0][j], d[1][j], d[2][j], d[3][j]};
        input_1d(col);
        #pragma unroll
        for (int i = 0; i < 4; ++i) {
            __global store_t *dst = vt + (i * 4 + j) * C * T;
            if (live == 4) {
                STOREF4(col[i], 0, dst);
            } else {
                float lanes[4];
                vstore4(col[i], 0, lanes);
                for (int k = 0; k < live; ++k) STOREF(lanes[k], k, dst);
            }
        }
    }
}

// A^T v of four values: two.
inline void output_1d(const float4 a, const float4 b, const float4 c, const float4 d, float4 *out) {
    out[0] = a + b + c;
    out[1] = b - c - d;
}

// Work-item: the 2x2 outputs of tiles tx0 .. tx0+3 of row ty of one output channel, with the bias
// and the fused activation.
__kernel void winograd_output(__global const store_t *p, const int p_base, __global const store_t *bias,
                              const int bias_base, const int has_bias, __global store_t *y, const int y_base,
                              const int M, const int OH, const int OW, const int TH, const int TW,
                              const int act, const float act_a, const float act_b) {
    const int tx0 = get_global_id(0) * 4;
    const int ty = get_global_id(1);
    const int bm = get_global_id(2);
    if (tx0 >= TW || ty >= TH) return;
    const int b = bm / M, m = bm - b * M;
    const int T = TH * TW, live = min(4, TW - tx0);
    __global const store_t *pt = p + p_base + (b * 16 * M + m) * T + ty * TW + tx0;
    float4 e[16];
    #pragma unroll
    for (int q = 0; q < 16; ++q) {
        if (live == 4) {
            e[q] = LOADF4(pt, q * M * T);
        } else {
            float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (int k = 0; k < live; ++k) lanes[k] = LOADF(pt, q * M * T + k);
            e[q] = vload4(0, lanes);
        }
    }
    float4 cols[4][2];                                     // down each column
    #pragma unroll
    for (int j = 0; j < 4; ++j) output_1d(e[j], e[4 + j], e[8 + j], e[12 + j], cols[j]);
    const float4 add = (float4)(has_bias ? LOADF(bias, bias_base + m) : 0.0f);
    __global store_t *ym = y + y_base + bm * OH * OW;
    #pragma unroll
    for (int i = 0; i < 2; ++i) {                          // along the rows: output row 2*ty + i
        const int h = 2 * ty + i;
        if (h >= OH) break;
        float4 r[2];
        output_1d(cols[0][i], cols[1][i], cols[2][i], cols[3][i], r);
        const float8 out = activate_by8(act, shuffle2(r[0] + add, r[1] + add, (uint8)(0, 4, 1, 5, 2, 6, 3, 7)),
                                        act_a, act_b);               // columns 2*tx0 .. 2*tx0 + 7
        const int w0 = 2 * tx0;
        if (w0 + 8 <= OW) {
            STOREF8(out, h * OW + w0, ym);
        } else {
            float lanes[8];
            vstore8(out, 0, lanes);
            for (int k = 0; w0 + k < OW; ++k) STOREF(lanes[k], h * OW + w0 + k, ym);
        }
    }
}
