#version 450
// Convolution shaders besides the GEMM core (gemm.comp), as cl_kernels/conv.cl, one per define:
//   PLANES       the padded, phase-split planes the GEMM reads a general convolution from:
//                planes[bc][phase][zd][zh][zw] = x[bc][zd*sd + qd - pd][zh*sh + qh - ph][zw*sw + qw - pw],
//                zero outside the input, phase = (qd*sh + qh)*sw + qw
//                (gpu_infer/backends/conv_geometry.py). Bindings: 0 x, 1 planes.
//   DEPTHWISE    depthwise convolution (group = C = M), 1-D or 2-D, weights as the model stores
//                them ([C][KH][KW]), the bias and the fused activation in the epilogue; padding
//                taps are skipped. Bindings: 0 x, 1 w, 2 bias (ignored unless has_bias), 3 y.
// An invocation writes RUN consecutive elements of a row (consecutive invocations along the
// contiguous dimension); the inputs are read through texel.glsl (texel buffers in the .tx variants).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"

#include "texel.glsl"

#define RUN 4                        // consecutive outputs along a row per invocation

LOCAL_SIZE_LAYOUT;
#if defined(PLANES)
READ_BUFFER(0, x);
layout(std430, binding = 1) writeonly buffer Planes { store_t planes[]; };
layout(push_constant) uniform Params {
    int D, H, W, Dp, Hp, Wp, sd, sh, sw, pd, ph, pw, total;    // total: invocations (rows x runs per row)
} p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int runs = (p.Wp + RUN - 1) / RUN;
    const int row = i / runs, zw0 = (i - row * runs) * RUN;       // row: (bc, phase, zd, zh)
    const int zh = row % p.Hp, r = row / p.Hp;                     // r: (bc, phase, zd)
    const int zd = r % p.Dp;
    const int q = (r / p.Dp) % (p.sd * p.sh * p.sw);
    const int bc = r / (p.Dp * p.sd * p.sh * p.sw);
    const int id = zd * p.sd + q / (p.sw * p.sh) - p.pd;
    const int ih = zh * p.sh + (q / p.sw) % p.sh - p.ph;
    const bool row_inside = id >= 0 && id < p.D && ih >= 0 && ih < p.H;
    const int src = ((bc * p.D + id) * p.H + ih) * p.W, dst = row * p.Wp;
    const int iw0 = zw0 * p.sw + q % p.sw - p.pw;
    [[unroll]] for (int j = 0; j < RUN; ++j) {
        const int iw = iw0 + j * p.sw;
        if (zw0 + j < p.Wp) planes[dst + zw0 + j] = store_t(row_inside && iw >= 0 && iw < p.W ? FETCH(x, src + iw) : 0.0);
    }
}
#elif defined(DEPTHWISE)
READ_BUFFER(0, x);
READ_BUFFER(1, w);
READ_BUFFER(2, bias);
layout(std430, binding = 3) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params {
    int C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, ph, pw, has_bias, total, act;    // total: invocations
    float act_a, act_b;
} p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int runs = (p.OW + RUN - 1) / RUN;
    const int row = i / runs, ow0 = (i - row * runs) * RUN;      // row: (bc, oh)
    const int oh = row % p.OH, bc = row / p.OH;
    const int c = bc % p.C;
    const int top = oh * p.sh - p.ph, left = ow0 * p.sw - p.pw, xc = bc * p.H * p.W, wc = c * p.KH * p.KW;
    vec4 acc = vec4(0.0);
    for (int kh = 0; kh < p.KH; ++kh) {
        const int ih = top + kh * p.dh;
        if (ih < 0 || ih >= p.H) continue;
        const int xr = xc + ih * p.W;
        for (int kw = 0; kw < p.KW; ++kw) {
            const float wt = FETCH(w, wc + kh * p.KW + kw);
            const int iw0 = left + kw * p.dw;
            vec4 xv;
            [[unroll]] for (int j = 0; j < RUN; ++j) {
                const int iw = iw0 + j * p.sw;
                xv[j] = iw >= 0 && iw < p.W ? FETCH(x, xr + iw) : 0.0;
            }
            acc = fma(vec4(wt), xv, acc);
        }
    }
    if (p.has_bias != 0) acc += vec4(FETCH(bias, c));
    const int o = row * p.OW + ow0;
    [[unroll]] for (int j = 0; j < RUN; ++j)
        if (ow0 + j < p.OW) y[o + j] = store_t(activate(p.act, acc[j], p.act_a, p.act_b));
}
#endif
