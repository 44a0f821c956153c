// ConvTranspose's second step. The first is a GEMM (gemm.cl): per batch and group,
// cols[(m, tap)][i] = sum over input channels c of W[c][m][tap] * x[c][i]. Here each output
// element gathers its contributions (no scatter, no atomics): tap k of input position i lands
// on full-output position i*s + k*d, and the output is the full one cropped by the begin pads.
// 1-D and 2-D are 3-D with leading sizes 1.
#include "precision.h"
#include "float_io.h"
#include "activation_any.h"

// The input position feeding output coordinate f through tap k along one axis, or -1.
inline int source(const int f, const int k, const int s, const int d, const int n) {
    const int q = f - k * d;
    if (q < 0 || q % s) return -1;
    return q / s < n ? q / s : -1;
}

// Work-item: one output row, eight consecutive outputs at a time, with the bias and the fused
// activation; dimension 0 runs along the output's height, 1 over (b, m, od), so the index
// divisions and the height and depth taps are found once per row (a work-item per eight outputs
// spent more on its divisions than on its copies on a CPU device).
__kernel void col2im(__global const store_t *cols, const int cols_base, __global const store_t *bias,
                     const int bias_base, const int has_bias, __global store_t *y, const int y_base,
                     const int M, const int D, const int H, const int W, const int OD, const int OH, const int OW,
                     const int KD, const int KH, const int KW, const int sd, const int sh, const int sw,
                     const int dd, const int dh, const int dw, const int bd, const int bh, const int bw,
                     const int slices, const int act, const float act_a, const float act_b) {
    const int oh = get_global_id(0);
    const int r = get_global_id(1);                  // (b, m, od)
    if (oh >= OH || r >= slices) return;
    const int od = r % OD, bm = r / OD;
    const int in_size = D * H * W, taps = KD * KH * KW;
    __global const store_t *cm = cols + cols_base + bm * taps * in_size;   // cols[b][m] = [tap][i]
    __global store_t *yr = y + y_base + (r * OH + oh) * OW;
    const float add = has_bias ? LOADF(bias, bias_base + bm % M) : 0.0f;
    // the taps tile the output (upsampling): one tap per output, no sum
    const int tiling = KD == sd && KH == sh && KW == sw && dd == 1 && dh == 1 && dw == 1;
    const int fd = od + bd, fh = oh + bh;
    const int tile_row = tiling && fd >= 0 && fh >= 0 && fd / sd < D && fh / sh < H;
    __global const store_t *src = tile_row ? cm + (fd % sd * KH + fh % sh) * KW * in_size + (fd / sd * H + fh / sh) * W
                                           : cm;
    for (int ow0 = 0; ow0 < OW; ow0 += 8) {
        float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        if (tiling) {
            const int fw0 = ow0 + bw;
            if (tile_row && sw == 2 && fw0 >= 0 && fw0 % 2 == 0 && fw0 / 2 + 4 <= W) {
                vstore8(shuffle2(LOADF4(src, fw0 / 2), LOADF4(src, in_size + fw0 / 2), (uint8)(0, 4, 1, 5, 2, 6, 3, 7)),
                        0, acc);
            } else if (tile_row) {
                #pragma unroll
                for (int j = 0; j < 8; ++j) {
                    const int fw = fw0 + j;
                    if (fw >= 0 && fw / sw < W) acc[j] = LOADF(src, fw % sw * in_size + fw / sw);
                }
            }
        } else for (int kd = 0; kd < KD; ++kd) {
            const int id = source(od + bd, kd, sd, dd, D);
            if (id < 0) continue;
            for (int kh = 0; kh < KH; ++kh) {
                const int ih = source(oh + bh, kh, sh, dh, H);
                if (ih < 0) continue;
                for (int kw = 0; kw < KW; ++kw) {
                    __global const store_t *at = cm + ((kd * KH + kh) * KW + kw) * in_size + (id * H + ih) * W;
                    const int q = ow0 + bw - kw * dw;      // lane j reads input column (q + j) / sw when divisible
                    int rem = q % sw, iw = q / sw;
                    if (rem < 0) { rem += sw; --iw; }
                    #pragma unroll
                    for (int j = 0; j < 8; ++j) {
                        if (rem == 0 && iw >= 0 && iw < W) acc[j] += LOADF(at, iw);
                        if (++rem == sw) { rem = 0; ++iw; }
                    }
                }
            }
        }
        const float8 out = activate_by8(act, vload8(0, acc) + add, act_a, act_b);
        if (ow0 + 8 <= OW) {
            STOREF8(out, ow0, yr);
        } else {
            vstore8(out, 0, acc);
            for (int j = 0; ow0 + j < OW; ++j) STOREF(acc[j], ow0 + j, yr);
        }
    }
}
