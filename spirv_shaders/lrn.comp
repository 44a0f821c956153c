#version 450
// LRN (local response normalization across channels), gpu_infer/backends/vulkan/ops/lrn.py,
// from the ONNX spec: for the input seen as (N, C, inner),
//   square_sum[n, c, i] = sum of x[n, j, i]^2 over j in [c - floor((size - 1) / 2),
//                         c + ceil((size - 1) / 2)] within [0, C)
//   y = x / (bias + alpha / size * square_sum) ^ beta
// each window summed on its own in float (a NaN or infinity stays in the windows that hold it);
// the power with C's special cases (GLSL leaves pow(b <= 0, e) undefined): zero, negative (an
// integer exponent), infinite and NaN bases, b^0 = 1.
// An invocation computes OUTS consecutive outputs (along inner, then channels); neighbouring
// invocations take the neighbouring outputs. The input is read through a texel view in the .tx
// variants (reduction.glsl). Variants: the element type (f32, f16s).
// Bindings: 0 input, 1 output. Push constants: Params (32 bytes).
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
READ_DATA(0, src);
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(push_constant) uniform Params { int total, channels, inner, before, after; float alpha_over_size, beta, bias; } p;

// b^e as C99's pow: exp(e * log b) for positive finite b, the special cases by their rules
float pow_ieee(const float b, const float e) {
    if (e == 0.0 || b == 1.0) return 1.0;
    if (is_nan(b)) return b;
    const bool integer = floor(e) == e, odd = integer && mod(e, 2.0) == 1.0;
    const float a = abs(b);
    if (sign_bit(b) && !integer && a != 0.0) return F32_NAN;
    float r;
    if (a == 0.0) r = e > 0.0 ? 0.0 : F32_INF;
    else if (!is_finite(a)) r = e > 0.0 ? F32_INF : 0.0;
    else r = exp(e * log_ieee(a));
    return sign_bit(b) && odd ? -r : r;
}

#define OUTS 4

void lrn_output(const int o) {
    const int c = (o / p.inner) % p.channels;
    const int first = o - c * p.inner;                 // (n, 0, i)
    float sum = 0.0;
    for (int j = max(c - p.before, 0); j <= min(c + p.after, p.channels - 1); ++j) {
        const float v = LOAD(src, first + j * p.inner);
        sum += v * v;
    }
    const float x = LOAD(src, o);
    STOREV(dst, o, x / pow_ieee(p.bias + p.alpha_over_size * sum, p.beta));
}

void main() {
    const int o0 = INVOCATION_INDEX * OUTS;
    for (int o = o0; o < min(o0 + OUTS, p.total); ++o) lrn_output(o);
}
