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
// Rows are read as aligned quads, all through texel views in the .tx variants (reduction.glsl).
// Bindings: 0 x, 1 y, 2 scale, 3 bias, 4 mean, 5 inv, 6 x again, read as quads.
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
layout(constant_id = 3) const int GROUP = 0;
READ_DATA(0, src);
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
READ_DATA(2, scale);
READ_DATA(3, bias);
layout(std430, binding = 4) writeonly buffer Mean { mem_t mean_out[]; };
layout(std430, binding = 5) writeonly buffer Inv { mem_t inv_out[]; };
READ_DATA4(6, src4);
layout(push_constant) uniform Params { int rows, n, period, scale_n, bias_n, has_bias, stats; float eps; } p;

DEFINE_GROUP_REDUCE(group_sum, float, ADD)

float bias_at(const int i) { return p.has_bias != 0 ? LOAD(bias, i) : 0.0; }

void main() {
    const int o = GROUP != 0 ? GROUP_INDEX : INVOCATION_INDEX;
    const int lid = GROUP != 0 ? int(gl_LocalInvocationID.x) : 0;
    const int step = GROUP != 0 ? int(gl_WorkGroupSize.x) : 1;
    if (o >= p.rows) return;
    const int base = o * p.n;
    float sum = 0.0;
    FOR_ROW(src, src4, base, p.n, lid, step, sum += v;)
    if (GROUP != 0) sum = group_sum(sum);
    const float mean = sum / float(p.n);
    float sq = 0.0;
    FOR_ROW(src, src4, base, p.n, lid, step, sq += (v - mean) * (v - mean);)
    if (GROUP != 0) sq = group_sum(sq);
    const float inv = 1.0 / sqrt(sq / float(p.n) + p.eps);
    if (lid == 0 && (p.stats & 1) != 0) STOREV(mean_out, o, mean);
    if (lid == 0 && (p.stats & 2) != 0) STOREV(inv_out, o, inv);
#ifdef PER_ROW
    const float g = LOAD(scale, o % p.period), b = bias_at(o % p.period);
    FOR_ROW(src, src4, base, p.n, lid, step, STOREV(dst, base + e, (v - mean) * inv * g + b);)
#else
    FOR_ROW(src, src4, base, p.n, lid, step,
            STOREV(dst, base + e, (v - mean) * inv * LOAD(scale, e % p.scale_n) + bias_at(e % p.bias_n));)
#endif
}
