// Reductions over any set of axes (ReduceSum, ReduceMean, ReduceMax, ... ReduceLogSumExp; the
// global pools), gpu_infer/backends/opencl/ops/reduce.py.
//
// The input is seen as kept and reduced groups of merged axes, K0 R0 K1 R1 K2 R2 K3 (sizes and
// strides in elements; absent groups have size 1). The output is the kept groups in order,
// contiguous: output o = ((k0 * K1 + k1) * K2 + k2) * K3 + k3. Layouts (reduction.h):
//   reduce_rows   the input's innermost axis is reduced (R2, stride 1): a work-item per output
//   reduce_cols   it is kept (K3, stride 1): a work-item per COLS outputs along K3
//                 (dimension 0: the block along K3, dimension 1: k0, k1, k2)
//   reduce_group  a work-group per output, splitting R2
//
// Build options: the combination, one of -DREDUCE_SUM, -DREDUCE_PROD, -DREDUCE_MAX,
// -DREDUCE_MIN, -DREDUCE_LSE (log-sum-exp with the maximum subtracted first, two passes as the
// CPU backend does); reduction.h's -DELEM for integer and bool data, with -DELEM_ACC=<unsigned
// type> where sums and products must wrap around (as NumPy's do) rather than overflow. Run-time
// arguments: `pre` applied to each element (0 none, 1 square, 2 absolute value: ReduceSumSquare,
// ReduceL1, ReduceL2) and `post` to the result (0 none, 1 divided by `scale`, the count:
// ReduceMean; 2 sqrt: ReduceL2; 3 log: ReduceLogSum).
#include "reduction.h"

#if defined(ELEM) && defined(ELEM_ACC)
typedef ELEM_ACC accum_t;
#else
typedef val_t accum_t;
#endif

#if defined(REDUCE_SUM)
#define IDENTITY(count) ((accum_t)((count) ? -0.0f : 0.0f))    // -0.0 + x is x, -0.0 too; empty: +0.0
#define COMBINE(a, b) ((a) + (b))
#elif defined(REDUCE_PROD)
#define IDENTITY(count) ((accum_t)1)
#define COMBINE(a, b) ((a) * (b))
#elif defined(REDUCE_MAX)
#define IDENTITY(count) VAL_LOWEST
#define COMBINE(a, b) max_val(a, b)
#elif defined(REDUCE_MIN)
#define IDENTITY(count) VAL_HIGHEST
#define COMBINE(a, b) min_val(a, b)
#endif

#ifdef ELEM
#define PRE(v) ((accum_t)(v))
#define POST(v) ((val_t)(v))
#else
#define PRE(v) (pre == 1 ? (v) * (v) : pre == 2 ? fabs(v) : (v))
#define POST(v) (post == 1 ? (count ? (v) / scale : (v)) : post == 2 ? sqrt(v) : post == 3 ? log(v) : (v))
#endif

#define REDUCE_ARGS                                                                  \
    __global const mem_t *src, const int src_off, __global mem_t *dst, const int dst_off, \
    const int k1, const int k2, const int k3, const int sk0, const int sk1, const int sk2, const int sk3, \
    const int r0, const int r1, const int r2, const int sr0, const int sr1, const int sr2, \
    const int outputs, const int pre, const int post, const float scale

// The input offset of the first element of the outputs numbered `o` along K0, K1, K2 (k3 apart).
inline int kept_base(int o, const int k1, const int k2, const int sk0, const int sk1, const int sk2) {
    const int c2 = o % k2;
    o /= k2;
    const int c1 = o % k1;
    return (o / k1) * sk0 + c1 * sk1 + c2 * sk2;
}

// BODY once per outer reduced row (R0, R1), with `row` the offset of its first element.
#define FOR_ROWS(BODY)                                                               \
    for (int a = 0; a < r0; ++a)                                                     \
        for (int b = 0; b < r1; ++b) {                                               \
            const int row = src_off + base + a * sr0 + b * sr1;                      \
            BODY                                                                     \
        }

#ifndef REDUCE_LSE
DEFINE_GROUP_REDUCE(group_combine, accum_t, COMBINE)
#endif

__kernel void reduce_rows(REDUCE_ARGS) {
    const int o = get_global_id(0);                  // K3 is 1: the innermost axis is reduced
    if (o >= outputs) return;
    const int base = kept_base(o, k1, k2, sk0, sk1, sk2);
#ifdef REDUCE_LSE
    float top = -INFINITY;
    FOR_ROWS(FOR_ROW(src + row, r2, top = max_f(top, max8(v));, top = max_f(top, s);))
    top = isfinite(top) ? top : 0.0f;
    float sum = 0.0f;
    FOR_ROWS(FOR_ROW(src + row, r2, sum += sum8(exp(v - top));, sum += exp(s - top);))
    STOREV(log(sum) + top, dst_off + o, dst);
#else
    const int count = r0 * r1 * r2;
    accum_t acc = IDENTITY(count);
#ifndef ELEM
    float8 acc8 = (float8)IDENTITY(count);
#endif
    FOR_ROWS(FOR_ROW(src + row, r2, acc8 = COMBINE(acc8, PRE(v));, acc = COMBINE(acc, PRE(s));))
#ifndef ELEM
    const float4 h = COMBINE(acc8.lo, acc8.hi);
    acc = COMBINE(acc, COMBINE(COMBINE(h.x, h.y), COMBINE(h.z, h.w)));
#endif
    STOREV(POST(acc), dst_off + o, dst);
#endif
}

__kernel void reduce_cols(REDUCE_ARGS) {
    const int c = get_global_id(0) * COLS;
    if (c >= k3 || get_global_id(1) >= outputs / k3) return;
    const int base = kept_base(get_global_id(1), k1, k2, sk0, sk1, sk2) + c * sk3;
    const int o = get_global_id(1) * k3 + c;
#ifndef REDUCE_LSE
    const int count = r0 * r1 * r2;
#endif
    if (COLS > 1 && c + COLS <= k3) {
#ifdef REDUCE_LSE
        colv_t top = -INFINITY;
        FOR_ROWS(for (int i = 0; i < r2; ++i) { top = max_f(top, LOAD_COLS(src, row + i * sr2)); })
        top = select((colv_t)0.0f, top, isfinite(top));
        colv_t sum = 0.0f;
        FOR_ROWS(for (int i = 0; i < r2; ++i) { sum += exp(LOAD_COLS(src, row + i * sr2) - top); })
        STORE_COLS(log(sum) + top, dst_off + o, dst);
#else
        colv_t acc = IDENTITY(count);
        FOR_ROWS(for (int i = 0; i < r2; ++i) { const colv_t v = LOAD_COLS(src, row + i * sr2);
                                                acc = COMBINE(acc, PRE(v)); })
        STORE_COLS(POST(acc), dst_off + o, dst);
#endif
        return;
    }
    for (int j = 0; j < COLS && c + j < k3; ++j) {           // the last, partial block
#ifdef REDUCE_LSE
        float top = -INFINITY;
        FOR_ROWS(for (int i = 0; i < r2; ++i) { top = max_f(top, LOADV(src, row + j + i * sr2)); })
        top = isfinite(top) ? top : 0.0f;
        float sum = 0.0f;
        FOR_ROWS(for (int i = 0; i < r2; ++i) { sum += exp(LOADV(src, row + j + i * sr2) - top); })
        STOREV(log(sum) + top, dst_off + o + j, dst);
#else
        accum_t acc = IDENTITY(count);
        FOR_ROWS(for (int i = 0; i < r2; ++i) { const val_t v = LOADV(src, row + j + i * sr2);
                                                acc = COMBINE(acc, PRE(v)); })
        STOREV(POST(acc), dst_off + o + j, dst);
#endif
    }
}

__kernel void reduce_group(REDUCE_ARGS) {
    const int o = get_group_id(0);
    const int lid = get_local_id(0), step = get_local_size(0);
    const int base = kept_base(o / k3, k1, k2, sk0, sk1, sk2) + (o % k3) * sk3;
#ifdef REDUCE_LSE
    __local float tmp[MAX_GROUP];
    float top = -INFINITY;
    FOR_ROWS(for (int i = lid; i < r2; i += step) { top = max_f(top, LOADV(src, row + i * sr2)); })
    top = group_max(top, tmp);
    top = isfinite(top) ? top : 0.0f;
    float sum = 0.0f;
    FOR_ROWS(for (int i = lid; i < r2; i += step) { sum += exp(LOADV(src, row + i * sr2) - top); })
    sum = group_sum(sum, tmp);
    if (lid == 0) STOREV(log(sum) + top, dst_off + o, dst);
#else
    const int count = r0 * r1 * r2;
    __local accum_t tmp[MAX_GROUP];
    accum_t acc = IDENTITY(count);
    FOR_ROWS(for (int i = lid; i < r2; i += step) { const val_t v = LOADV(src, row + i * sr2);
                                                    acc = COMBINE(acc, PRE(v)); })
    acc = group_combine(acc, tmp);
    if (lid == 0) STOREV(POST(acc), dst_off + o, dst);
#endif
}
