#version 450
// Reductions over any set of axes (ReduceSum, ReduceMean, ReduceMax, ... ReduceLogSumExp; the
// global pools), gpu_infer/backends/vulkan/ops/reduce.py, as cl_kernels/reduce.cl.
//
// The input is seen as kept and reduced groups of merged axes, K0 R0 K1 R1 K2 R2 K3 (sizes and
// strides in elements; absent groups have size 1). The output is the kept groups in order,
// contiguous: output o = ((k0 * K1 + k1) * K2 + k2) * K3 + k3. Layouts (specialization constant
// GROUP): 0, an invocation per output (neighbouring invocations read neighbouring elements when
// K3 is the contiguous axis); 1, a work-group per output, its invocations splitting R2. Float
// data is read through texel views (reduction.glsl), R2 as aligned quads where it is contiguous.
//
// Variants: the combination, REDUCE_SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN or REDUCE_LSE
// (log-sum-exp with the maximum subtracted first, two passes as the CPU backend does), and the
// element type (reduction.glsl). Float data only: `pre` applied to each element (0 none,
// 1 square, 2 absolute value) and `post` to the result (0 none, 1 divided by `scale`, the count,
// 2 sqrt, 3 log).
// Bindings: 0 input, 1 output, 2 the input again, read as quads (float data; unused otherwise).
// Push constants: Params (68 bytes).
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
layout(constant_id = 3) const int GROUP = 0;
READ_DATA(0, src);
#ifdef A_FLOAT
READ_DATA4(2, src4);
#endif
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(push_constant) uniform Params {
    int k1, k2, k3, sk0, sk1, sk2, sk3, r0, r1, r2, sr0, sr1, sr2, outputs, pre, post;
    float scale;
} p;

#if defined(REDUCE_SUM)
#define IDENTITY val_t(0)
#define COMBINE ADD
#elif defined(REDUCE_PROD)
#define IDENTITY val_t(1)
#define MUL(a, b) ((a) * (b))
#define COMBINE MUL
#elif defined(REDUCE_MAX)
#define IDENTITY VAL_LOWEST
#define COMBINE max_val
#elif defined(REDUCE_MIN)
#define IDENTITY VAL_HIGHEST
#define COMBINE min_val
#endif

#ifdef REDUCE_LSE
DEFINE_GROUP_REDUCE(group_max, float, max_f)
DEFINE_GROUP_REDUCE(group_sum, float, ADD)
#else
DEFINE_GROUP_REDUCE(group_combine, val_t, COMBINE)
#endif

#ifdef A_FLOAT
float pre_op(const float v) { return p.pre == 1 ? v * v : p.pre == 2 ? abs(v) : v; }
float post_op(const float v, const int count) {
    switch (p.post) {
        case 1: return count > 0 ? v / p.scale : v;
        case 2: return sqrt(v);
        case 3: return log_ieee(v);
        default: return v;
    }
}
#else
#define pre_op(v) (v)
#define post_op(v, count) (v)
#endif

// BODY once per element of one R2 line from `row` this invocation takes, with `v` its value
#define FOR_LINE(row, BODY)                                                          \
    for (int i = lid; i < p.r2; i += step) {                                         \
        const val_t v = LOAD(src, row + i * p.sr2);                                  \
        BODY                                                                         \
    }
#ifdef A_FLOAT
#define FOR_R2(row, BODY) if (p.sr2 == 1) FOR_ROW(src, src4, row, p.r2, lid, step, BODY) else FOR_LINE(row, BODY)
#else
#define FOR_R2 FOR_LINE
#endif

// BODY once per element of output o's reduction this invocation takes, with `v` its value
#define FOR_ELEMENTS(BODY)                                                           \
    for (int a = 0; a < p.r0; ++a)                                                   \
        for (int b = 0; b < p.r1; ++b) {                                             \
            const int row = base + a * p.sr0 + b * p.sr1;                            \
            FOR_R2(row, BODY)                                                        \
        }

void main() {
    const int o = GROUP != 0 ? GROUP_INDEX : INVOCATION_INDEX;
    const int lid = GROUP != 0 ? int(gl_LocalInvocationID.x) : 0;
    const int step = GROUP != 0 ? int(gl_WorkGroupSize.x) : 1;
    if (o >= p.outputs) return;
    const int kept = o / p.k3;
    const int base = (kept / p.k2 / p.k1) * p.sk0 + ((kept / p.k2) % p.k1) * p.sk1 + (kept % p.k2) * p.sk2 +
                     (o % p.k3) * p.sk3;
#ifdef REDUCE_LSE
    float top = -F32_INF;
    FOR_ELEMENTS(top = max_f(top, v);)
    if (GROUP != 0) top = group_max(top);
    if (!is_finite(top)) top = 0.0;
    float sum = 0.0;
    FOR_ELEMENTS(sum += exp(v - top);)
    if (GROUP != 0) sum = group_sum(sum);
    if (lid == 0) STOREV(dst, o, log_ieee(sum) + top);
#else
    val_t acc = IDENTITY;
    FOR_ELEMENTS(acc = COMBINE(acc, pre_op(v));)
    if (GROUP != 0) acc = group_combine(acc);
    if (lid == 0) STOREV(dst, o, post_op(acc, p.r0 * p.r1 * p.r2));
#endif
}
