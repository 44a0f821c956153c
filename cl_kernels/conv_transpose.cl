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

// Work-item: one output element; dimension 0 runs along the output's width.
__kernel void col2im(__global const store_t *cols, const int cols_base, __global const store_t *bias,
                     const int bias_base, const int has_bias, __global store_t *y, const int y_base,
                     const int M, const int D, const int H, const int W, const int OD, const int OH, const int OW,
                     const int KD, const int KH, const int KW, const int sd, const int sh, const int sw,
                     const int dd, const int dh, const int dw, const int bd, const int bh, const int bw,
                     const int rows, const int act, const float act_a, const float act_b) {
    const int ow = get_global_id(0);
    const int r = get_global_id(1);                  // (b, m, od, oh)
    if (ow >= OW || r >= rows) return;
    const int oh = r % OH, od = (r / OH) % OD, bm = r / (OH * OD);
    const int m = bm % M;
    const int in_size = D * H * W, taps = KD * KH * KW;
    __global const store_t *cm = cols + cols_base + bm * taps * in_size;   // cols[b][m] = [tap][i]
    float acc = 0.0f;
    for (int kd = 0; kd < KD; ++kd) {
        const int id = source(od + bd, kd, sd, dd, D);
        if (id < 0) continue;
        for (int kh = 0; kh < KH; ++kh) {
            const int ih = source(oh + bh, kh, sh, dh, H);
            if (ih < 0) continue;
            for (int kw = 0; kw < KW; ++kw) {
                const int iw = source(ow + bw, kw, sw, dw, W);
                if (iw >= 0) acc += LOADF(cm, ((kd * KH + kh) * KW + kw) * in_size + (id * H + ih) * W + iw);
            }
        }
    }
    if (has_bias) acc += LOADF(bias, bias_base + m);
    STOREF(activate_by(act, acc, act_a, act_b), y_base + r * OW + ow, y);
}
