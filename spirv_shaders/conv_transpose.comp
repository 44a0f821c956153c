#version 450
// ConvTranspose's second step, as cl_kernels/conv_transpose.cl. The first is a GEMM (gemm.comp):
// per batch and group, cols[(m, tap)][i] = sum over input channels c of W[c][m][tap] * x[c][i].
// Here each output element gathers its contributions (no scatter, no atomics): tap k of input
// position i lands on full-output position i*s + k*d, and the output is the full one cropped by
// the begin pads; then the bias and the fused activation. 1-D and 2-D are 3-D with leading 1s.
// An invocation computes RUN consecutive outputs of a row, without divisions past its first.
// Bindings: 0 cols, 1 bias (ignored unless has_bias), 2 y; cols and bias read through texel.glsl.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"
#include "texel.glsl"

LOCAL_SIZE_LAYOUT;
READ_BUFFER(0, cols);
READ_BUFFER(1, bias);
layout(std430, binding = 2) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params {
    int M, D, H, W, OD, OH, OW, KD, KH, KW, sd, sh, sw, dd, dh, dw, bd, bh, bw, has_bias, total, act;  // total: invocations
    float act_a, act_b;
} p;

#define RUN 4                        // consecutive outputs along a row per invocation

// Adds tap step d to an offset held as a * s + b (0 <= b < s): the tap's offset in strides and remainder.
void advance(inout int a, inout int b, const int d, const int s) {
    b += d;
    while (b >= s) { b -= s; ++a; }
}

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int runs = (p.OW + RUN - 1) / RUN;
    const int row = i / runs, ow0 = (i - row * runs) * RUN;                   // row: (b, m, od, oh)
    const int oh = row % p.OH, r = row / p.OH;
    const int od = r % p.OD, bm = r / p.OD;
    // full-output coordinate f = q * s + rem per axis: tap k (offset k*d = kq*s + kr) reads input
    // position q - kq where rem == kr, and nothing elsewhere
    const int fd = od + p.bd, fh = oh + p.bh, fw = ow0 + p.bw;
    const int qd = fd / p.sd, rd = fd - qd * p.sd, qh = fh / p.sh, rh = fh - qh * p.sh;
    const int qw0 = fw / p.sw, rw0 = fw - qw0 * p.sw;
    const int in_size = p.D * p.H * p.W;
    const int cm = bm * p.KD * p.KH * p.KW * in_size;                          // cols[b][m] = [tap][i]
    vec4 acc = vec4(0.0);
    int kqd = 0, krd = 0;
    for (int kd = 0; kd < p.KD; ++kd, advance(kqd, krd, p.dd, p.sd)) {
        const int id = qd - kqd;
        if (rd != krd || id < 0 || id >= p.D) continue;
        int kqh = 0, krh = 0;
        for (int kh = 0; kh < p.KH; ++kh, advance(kqh, krh, p.dh, p.sh)) {
            const int ih = qh - kqh;
            if (rh != krh || ih < 0 || ih >= p.H) continue;
            const int base = cm + (kd * p.KH + kh) * p.KW * in_size + (id * p.H + ih) * p.W;
            int kqw = 0, krw = 0;
            for (int kw = 0; kw < p.KW; ++kw, advance(kqw, krw, p.dw, p.sw)) {
                int qw = qw0, rw = rw0;
                [[unroll]] for (int j = 0; j < RUN; ++j) {
                    const int iw = qw - kqw;
                    if (rw == krw && iw >= 0 && iw < p.W) acc[j] += FETCH(cols, base + kw * in_size + iw);
                    if (++rw == p.sw) { rw = 0; ++qw; }
                }
            }
        }
    }
    if (p.has_bias != 0) acc += vec4(FETCH(bias, bm % p.M));
    const int o = row * p.OW + ow0;
    [[unroll]] for (int j = 0; j < RUN; ++j)
        if (ow0 + j < p.OW) y[o + j] = store_t(activate(p.act, acc[j], p.act_a, p.act_b));
}
