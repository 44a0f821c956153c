#version 450
// LRN (local response normalization across channels), gpu_infer/backends/vulkan/ops/lrn.py,
// from the ONNX spec: for the input seen as (N, C, inner),
//   square_sum[n, c, i] = sum of x[n, j, i]^2 over j in [c - floor((size - 1) / 2),
//                         c + ceil((size - 1) / 2)] within [0, C)
//   y = x / (bias + alpha / size * square_sum) ^ beta
// each window summed on its own in float (a NaN or infinity stays in the windows that hold it).
// An invocation per output; neighbouring invocations take neighbouring positions along inner.
// Variants: the element type (f32, f16s).
// Bindings: 0 input, 1 output. Push constants: Params (32 bytes).
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer Src { mem_t src[]; };
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(push_constant) uniform Params { int total, channels, inner, before, after; float alpha_over_size, beta, bias; } p;

void main() {
    const int o = INVOCATION_INDEX;
    if (o >= p.total) return;
    const int c = (o / p.inner) % p.channels;
    const int first = o - c * p.inner;                 // (n, 0, i)
    float sum = 0.0;
    for (int j = max(c - p.before, 0); j <= min(c + p.after, p.channels - 1); ++j) {
        const float v = LOADV(src, first + j * p.inner);
        sum += v * v;
    }
    const float x = LOADV(src, o);
    STOREV(dst, o, x / pow(p.bias + p.alpha_over_size * sum, p.beta));
}
