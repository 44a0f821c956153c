// Softmax and LogSoftmax along one axis, gpu_infer/backends/opencl/ops/softmax.py.
//
// The input is seen as (outer, n, inner): each of the outer * inner rows of n elements, inner
// apart, is normalised on its own, numerically stable as the CPU backend is: m = max(row),
// sum = sum(exp(x - m)) in float, then y = exp(x - m) / sum, or (x - m) - log(sum) with
// -DLOG_SOFTMAX. Layouts (reduction.h): softmax_rows (inner == 1, a work-item per row),
// softmax_cols (inner > 1, a work-item per COLS neighbouring rows; dimension 0: the block along
// inner, dimension 1: outer), softmax_group (a work-group per row).
#include "reduction.h"

#ifdef LOG_SOFTMAX
#define NORMALISE(x, top, sum) (((x) - (top)) - log(sum))
#else
#define NORMALISE(x, top, sum) (exp((x) - (top)) / (sum))
#endif

#define SOFTMAX_ARGS __global const mem_t *src, const int src_off, __global mem_t *dst, const int dst_off, \
                     const int outer, const int n, const int inner

__kernel void softmax_rows(SOFTMAX_ARGS) {
    const int o = get_global_id(0);
    if (o >= outer) return;
    __global const mem_t *x = src + src_off + o * n;
    __global mem_t *y = dst + dst_off + o * n;
    float top = -INFINITY;
    FOR_ROW(x, n, top = max_f(top, max8(v));, top = max_f(top, s);)
    float sum = 0.0f;
    FOR_ROW(x, n, sum += sum8(exp(v - top));, sum += exp(s - top);)
    FOR_ROW(x, n, STOREF8(NORMALISE(v, top, sum), i_, y);, STOREV(NORMALISE(s, top, sum), i_, y);)
}

__kernel void softmax_cols(SOFTMAX_ARGS) {
    const int c = get_global_id(0) * COLS, o = get_global_id(1);
    if (c >= inner || o >= outer) return;
    const int base = o * n * inner + c;
    __global const mem_t *x = src + src_off + base;
    __global mem_t *y = dst + dst_off + base;
    if (COLS > 1 && c + COLS <= inner) {
        colv_t top = -INFINITY;
        for (int i = 0; i < n; ++i) top = max_f(top, LOAD_COLS(x, i * inner));
        colv_t sum = 0.0f;
        for (int i = 0; i < n; ++i) sum += exp(LOAD_COLS(x, i * inner) - top);
        for (int i = 0; i < n; ++i) STORE_COLS(NORMALISE(LOAD_COLS(x, i * inner), top, sum), i * inner, y);
        return;
    }
    for (int j = 0; j < COLS && c + j < inner; ++j) {            // the last, partial block
        float top = -INFINITY;
        for (int i = 0; i < n; ++i) top = max_f(top, LOADV(x, j + i * inner));
        float sum = 0.0f;
        for (int i = 0; i < n; ++i) sum += exp(LOADV(x, j + i * inner) - top);
        for (int i = 0; i < n; ++i) STOREV(NORMALISE(LOADV(x, j + i * inner), top, sum), j + i * inner, y);
    }
}

__kernel void softmax_group(SOFTMAX_ARGS) {
    __local float tmp[MAX_GROUP];
    const int o = get_group_id(0), lid = get_local_id(0), step = get_local_size(0);
    const int base = (o / inner) * n * inner + o % inner;
    __global const mem_t *x = src + src_off + base;
    __global mem_t *y = dst + dst_off + base;
    float top = -INFINITY;
    for (int i = lid; i < n; i += step) top = max_f(top, LOADV(x, i * inner));
    top = group_max(top, tmp);
    float sum = 0.0f;
    for (int i = lid; i < n; i += step) sum += exp(LOADV(x, i * inner) - top);
    sum = group_sum(sum, tmp);
    for (int i = lid; i < n; i += step) STOREV(NORMALISE(LOADV(x, i * inner), top, sum), i * inner, y);
}
