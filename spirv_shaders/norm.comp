#version 450
// LayerNormalization and InstanceNormalization, gpu_infer/backends/vulkan/ops/norm.py, as
// cl_kernels/norm.cl.
//
// Each of `rows` contiguous rows of n elements is standardised on its own, as the CPU backend
// does it: mean = sum(x) / n, var = sum((x - mean)^2) / n (two passes, in float at every
// precision), inv = 1 / sqrt(var + eps), y = (x - mean) * inv * scale + bias.
//   PER_ROW     InstanceNormalization: scale and bias per row, element row % period (channels)
//   (default)   LayerNormalization: scale and bias per element of the row, element i % scale_n
//               (i % bias_n): a parameter as long as the row, or one its length divides
//               (broadcast over the leading normalised axes); has_bias 0 without bias.
// `stats`: bit 0 writes the row's mean to binding 4, bit 1 its inv to binding 5
// (LayerNormalization's optional outputs). Layouts (specialization constant GROUP,
// reduction.glsl): 0 an invocation per row, 1 a work-group per row. Variants: PER_ROW or not,
// the element type (f32, f16s). An absent tensor's binding is any buffer: it is never touched.
// Bindings: 0 x, 1 y, 2 scale, 3 bias, 4 mean, 5 inv.
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
layout(constant_id = 3) const int GROUP = 0;
layout(std430, binding = 0) readonly buffer Src { mem_t src[]; };
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(std430, binding = 2) readonly buffer Scale { mem_t scale[]; };
layout(std430, binding = 3) readonly buffer Bias { mem_t bias[]; };
layout(std430, binding = 4) writeonly buffer Mean { mem_t mean_out[]; };
layout(std430, binding = 5) writeonly buffer Inv { mem_t inv_out[]; };
layout(push_constant) uniform Params { int rows, n, period, scale_n, bias_n, has_bias, stats; float eps; } p;

DEFINE_GROUP_REDUCE(group_sum, float, ADD)

float bias_at(const int i) { return p.has_bias != 0 ? LOADV(bias, i) : 0.0; }

void main() {
    const int o = GROUP != 0 ? GROUP_INDEX : INVOCATION_INDEX;
    const int lid = GROUP != 0 ? int(gl_LocalInvocationID.x) : 0;
    const int step = GROUP != 0 ? int(gl_WorkGroupSize.x) : 1;
    if (o >= p.rows) return;
    const int base = o * p.n;
    float sum = 0.0;
    for (int i = lid; i < p.n; i += step) sum += LOADV(src, base + i);
    if (GROUP != 0) sum = group_sum(sum);
    const float mean = sum / float(p.n);
    float sq = 0.0;
    for (int i = lid; i < p.n; i += step) {
        const float d = LOADV(src, base + i) - mean;
        sq += d * d;
    }
    if (GROUP != 0) sq = group_sum(sq);
    const float inv = 1.0 / sqrt(sq / float(p.n) + p.eps);
    if (lid == 0 && (p.stats & 1) != 0) STOREV(mean_out, o, mean);
    if (lid == 0 && (p.stats & 2) != 0) STOREV(inv_out, o, inv);
#ifdef PER_ROW
    const float g = LOADV(scale, o % p.period), b = bias_at(o % p.period);
    for (int i = lid; i < p.n; i += step) STOREV(dst, base + i, (LOADV(src, base + i) - mean) * inv * g + b);
#else
    for (int i = lid; i < p.n; i += step)
        STOREV(dst, base + i, (LOADV(src, base + i) - mean) * inv * LOADV(scale, i % p.scale_n) + bias_at(i % p.bias_n));
#endif
}
