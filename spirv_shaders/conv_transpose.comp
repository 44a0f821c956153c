#version 450
// ConvTranspose's second step, as cl_kernels/conv_transpose.cl. The first is a GEMM (gemm.comp):
// per batch and group, cols[(m, tap)][i] = sum over input channels c of W[c][m][tap] * x[c][i].
// Here each output element gathers its contributions (no scatter, no atomics): tap k of input
// position i lands on full-output position i*s + k*d, and the output is the full one cropped by
// the begin pads; then the bias and the fused activation. 1-D and 2-D are 3-D with leading 1s.
// Bindings: 0 cols, 1 bias (ignored unless has_bias), 2 y.
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer Cols { store_t cols[]; };
layout(std430, binding = 1) readonly buffer Bias { store_t bias[]; };
layout(std430, binding = 2) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params {
    int M, D, H, W, OD, OH, OW, KD, KH, KW, sd, sh, sw, dd, dh, dw, bd, bh, bw, has_bias, total, act;
    float act_a, act_b;
} p;

// The input position feeding full-output coordinate f through tap k along one axis, or -1.
int source(const int f, const int k, const int s, const int d, const int n) {
    const int q = f - k * d;
    if (q < 0 || q % s != 0) return -1;
    return q / s < n ? q / s : -1;
}

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int ow = i % p.OW, oh = (i / p.OW) % p.OH, r = i / (p.OW * p.OH);     // r: (b, m, od)
    const int od = r % p.OD, bm = r / p.OD;
    const int in_size = p.D * p.H * p.W;
    const int cm = bm * p.KD * p.KH * p.KW * in_size;                          // cols[b][m] = [tap][i]
    float acc = 0.0;
    for (int kd = 0; kd < p.KD; ++kd) {
        const int id = source(od + p.bd, kd, p.sd, p.dd, p.D);
        if (id < 0) continue;
        for (int kh = 0; kh < p.KH; ++kh) {
            const int ih = source(oh + p.bh, kh, p.sh, p.dh, p.H);
            if (ih < 0) continue;
            for (int kw = 0; kw < p.KW; ++kw) {
                const int iw = source(ow + p.bw, kw, p.sw, p.dw, p.W);
                if (iw >= 0) acc += float(cols[cm + ((kd * p.KH + kh) * p.KW + kw) * in_size + (id * p.H + ih) * p.W + iw]);
            }
        }
    }
    if (p.has_bias != 0) acc += float(bias[bm % p.M]);
    y[i] = store_t(activate(p.act, acc, p.act_a, p.act_b));
}
