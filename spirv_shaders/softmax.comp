#version 450
// Softmax and LogSoftmax along one axis, gpu_infer/backends/vulkan/ops/softmax.py, as
// cl_kernels/softmax.cl.
//
// The input is seen as (outer, n, inner): each of the outer * inner rows of n elements, inner
// apart, is normalised on its own, numerically stable as the CPU backend is: m = max(row),
// sum = sum(exp(x - m)) in float, then y = exp(x - m) / sum, or (x - m) - log(sum) with
// LOG_SOFTMAX. Layouts (specialization constant GROUP, reduction.glsl): 0 an invocation per row
// (neighbouring invocations take neighbouring rows: along inner when it is > 1), 1 a work-group
// per row. Contiguous rows (inner 1) are read as aligned quads, all through texel views in the
// .tx variants (reduction.glsl). Variants: LOG_SOFTMAX or not, the element type (f32, f16s).
// Bindings: 0 input, 1 output, 2 the input again, read as quads. Push constants: outer, n, inner.
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
layout(constant_id = 3) const int GROUP = 0;
READ_DATA(0, src);
READ_DATA4(2, src4);
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(push_constant) uniform Params { int outer, n, inner; } p;

DEFINE_GROUP_REDUCE(group_max, float, max_f)
DEFINE_GROUP_REDUCE(group_sum, float, ADD)

#ifdef LOG_SOFTMAX
#define NORMALISE(x, top, sum) (((x) - (top)) - log_ieee(sum))
#else
#define NORMALISE(x, top, sum) (exp((x) - (top)) / (sum))
#endif

// BODY once per element `v` (element e of the row) of the row from `base` this invocation takes
#define FOR_ELEMENTS(BODY)                                                           \
    if (p.inner == 1) FOR_ROW(src, src4, base, p.n, lid, step, BODY)                 \
    else for (int e = lid; e < p.n; e += step) {                                     \
        const float v = LOAD(src, base + e * p.inner);                               \
        BODY                                                                         \
    }

void main() {
    const int o = GROUP != 0 ? GROUP_INDEX : INVOCATION_INDEX;
    const int lid = GROUP != 0 ? int(gl_LocalInvocationID.x) : 0;
    const int step = GROUP != 0 ? int(gl_WorkGroupSize.x) : 1;
    if (o >= p.outer * p.inner) return;
    const int base = (o / p.inner) * p.n * p.inner + o % p.inner;
    float top = -F32_INF;
    FOR_ELEMENTS(top = max_f(top, v);)
    if (GROUP != 0) top = group_max(top);
    float sum = 0.0;
    FOR_ELEMENTS(sum += exp(v - top);)
    if (GROUP != 0) sum = group_sum(sum);
    FOR_ELEMENTS(STOREV(dst, base + e * p.inner, NORMALISE(v, top, sum));)
}
