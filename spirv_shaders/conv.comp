#version 450
// Convolution shaders besides the GEMM core (gemm.comp), as cl_kernels/conv.cl, one per define:
//   PLANES       the padded, phase-split planes the GEMM reads a general convolution from:
//                planes[bc][phase][zd][zh][zw] = x[bc][zd*sd + qd - pd][zh*sh + qh - ph][zw*sw + qw - pw],
//                zero outside the input, phase = (qd*sh + qh)*sw + qw
//                (gpu_infer/backends/conv_geometry.py). Bindings: 0 x, 1 planes.
//   DEPTHWISE    depthwise convolution (group = C = M), 1-D or 2-D, weights as the model stores
//                them ([C][KH][KW]), the bias and the fused activation in the epilogue; padding
//                taps are skipped. Bindings: 0 x, 1 w, 2 bias (ignored unless has_bias), 3 y.
// One invocation per output element (consecutive invocations along the contiguous dimension).
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"

LOCAL_SIZE_LAYOUT;
#if defined(PLANES)
layout(std430, binding = 0) readonly buffer X { store_t x[]; };
layout(std430, binding = 1) writeonly buffer Planes { store_t planes[]; };
layout(push_constant) uniform Params {
    int D, H, W, Dp, Hp, Wp, sd, sh, sw, pd, ph, pw, total;
} p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int zw = i % p.Wp, zh = (i / p.Wp) % p.Hp, r = i / (p.Wp * p.Hp);      // r: (bc, phase, zd)
    const int zd = r % p.Dp;
    const int q = (r / p.Dp) % (p.sd * p.sh * p.sw);
    const int bc = r / (p.Dp * p.sd * p.sh * p.sw);
    const int id = zd * p.sd + q / (p.sw * p.sh) - p.pd;
    const int ih = zh * p.sh + (q / p.sw) % p.sh - p.ph;
    const int iw = zw * p.sw + q % p.sw - p.pw;
    const bool inside = id >= 0 && id < p.D && ih >= 0 && ih < p.H && iw >= 0 && iw < p.W;
    planes[i] = store_t(inside ? float(x[((bc * p.D + id) * p.H + ih) * p.W + iw]) : 0.0);      // (via float: 16-bit storage only)
}
#elif defined(DEPTHWISE)
layout(std430, binding = 0) readonly buffer X { store_t x[]; };
layout(std430, binding = 1) readonly buffer Wt { store_t w[]; };
layout(std430, binding = 2) readonly buffer Bias { store_t bias[]; };
layout(std430, binding = 3) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params {
    int C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, ph, pw, has_bias, total, act;
    float act_a, act_b;
} p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int ow = i % p.OW, oh = (i / p.OW) % p.OH, bc = i / (p.OW * p.OH);
    const int c = bc % p.C;
    const int top = oh * p.sh - p.ph, left = ow * p.sw - p.pw, xc = bc * p.H * p.W, wc = c * p.KH * p.KW;
    float acc = 0.0;
    for (int kh = 0; kh < p.KH; ++kh) {
        const int ih = top + kh * p.dh;
        if (ih < 0 || ih >= p.H) continue;
        for (int kw = 0; kw < p.KW; ++kw) {
            const int iw = left + kw * p.dw;
            if (iw >= 0 && iw < p.W) acc = fma(float(w[wc + kh * p.KW + kw]), float(x[xc + ih * p.W + iw]), acc);
        }
    }
    if (p.has_bias != 0) acc += float(bias[c]);
    y[i] = store_t(activate(p.act, acc, p.act_a, p.act_b));
}
#endif
