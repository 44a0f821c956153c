// LayerNormalization and InstanceNormalization, gpu_infer/backends/opencl/ops/norm.py.
//
// Each of `rows` contiguous rows of n elements is standardised on its own, as the CPU backend
// does it: mean = sum(x) / n, var = sum((x - mean)^2) / n (two passes, in float at every
// precision), inv = 1 / sqrt(var + eps), y = (x - mean) * inv * scale + bias.
//   -DPER_ROW   InstanceNormalization: scale and bias per row, element row % period (channels)
//   (default)   LayerNormalization: scale and bias per element of the row, element i % scale_n
//               (i % bias_n): a parameter as long as the row, or one its length divides
//               (broadcast over the leading normalised axes); has_bias 0 without bias.
// `stats`: bit 0 writes the row's mean to mean_out, bit 1 its inv to inv_out (LayerNormalization's
// optional outputs). Layouts (reduction.h): norm_rows (a work-item per row), norm_group (a
// work-group per row).
#include "reduction.h"

#define NORM_ARGS                                                                    \
    __global const mem_t *src, const int src_off, __global mem_t *dst, const int dst_off, \
    __global const mem_t *scale, const int scale_off, __global const mem_t *bias, const int bias_off, \
    __global mem_t *mean_out, const int mean_off, __global mem_t *inv_out, const int inv_off, \
    const int rows, const int n, const int period, const int scale_n, const int bias_n, \
    const int has_bias, const int stats, const float eps

#define BIAS_AT(i) (has_bias ? LOADV(bias, bias_off + (i)) : 0.0f)

inline void store_stats(__global mem_t *mean_out, const int mean_off, __global mem_t *inv_out, const int inv_off,
                        const int stats, const int o, const float mean, const float inv) {
    if (stats & 1) STOREV(mean, mean_off + o, mean_out);
    if (stats & 2) STOREV(inv, inv_off + o, inv_out);
}

__kernel void norm_rows(NORM_ARGS) {
    const int o = get_global_id(0);
    if (o >= rows) return;
    __global const mem_t *x = src + src_off + o * n;
    __global mem_t *y = dst + dst_off + o * n;
    float sum = 0.0f;
    FOR_ROW(x, n, sum += sum8(v);, sum += s;)
    const float mean = sum / n;
    float sq = 0.0f;
    FOR_ROW(x, n, const float8 d = v - mean; sq += sum8(d * d);, const float d = s - mean; sq += d * d;)
    const float inv = 1.0f / sqrt(sq / n + eps);
    store_stats(mean_out, mean_off, inv_out, inv_off, stats, o, mean, inv);
#ifdef PER_ROW
    const float g = LOADV(scale, scale_off + o % period), b = BIAS_AT(o % period);
    FOR_ROW(x, n, STOREF8((v - mean) * inv * g + b, i_, y);, STOREV((s - mean) * inv * g + b, i_, y);)
#else
    if (scale_n == n && (bias_n == n || !has_bias)) {
        FOR_ROW(x, n,
                const float8 b = has_bias ? LOADF8(bias + bias_off, i_) : (float8)0.0f;
                STOREF8((v - mean) * inv * LOADF8(scale + scale_off, i_) + b, i_, y);,
                STOREV((s - mean) * inv * LOADV(scale, scale_off + i_) + BIAS_AT(i_), i_, y);)
    } else {
        for (int i = 0; i < n; ++i)
            STOREV((LOADV(x, i) - mean) * inv * LOADV(scale, scale_off + i % scale_n) + BIAS_AT(i % bias_n), i, y);
    }
#endif
}

__kernel void norm_group(NORM_ARGS) {
    __local float tmp[MAX_GROUP];
    const int o = get_group_id(0), lid = get_local_id(0), step = get_local_size(0);
    __global const mem_t *x = src + src_off + o * n;
    __global mem_t *y = dst + dst_off + o * n;
    float sum = 0.0f;
    for (int i = lid; i < n; i += step) sum += LOADV(x, i);
    const float mean = group_sum(sum, tmp) / n;
    float sq = 0.0f;
    for (int i = lid; i < n; i += step) {
        const float d = LOADV(x, i) - mean;
        sq += d * d;
    }
    const float inv = 1.0f / sqrt(group_sum(sq, tmp) / n + eps);
    if (lid == 0) store_stats(mean_out, mean_off, inv_out, inv_off, stats, o, mean, inv);
#ifdef PER_ROW
    const float g = LOADV(scale, scale_off + o % period), b = BIAS_AT(o % period);
    for (int i = lid; i < n; i += step) STOREV((LOADV(x, i) - mean) * inv * g + b, i, y);
#else
    for (int i = lid; i < n; i += step)
        STOREV((LOADV(x, i) - mean) * inv * LOADV(scale, scale_off + i % scale_n) + BIAS_AT(i % bias_n), i, y);
#endif
}
