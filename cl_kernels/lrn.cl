// LRN (local response normalization across channels), gpu_infer/backends/opencl/ops/lrn.py:
//   y[n, c, i] = x[n, c, i] / (bias + alpha / size * sum(x[n, k, i]^2 for k in window(c)))^beta
// with window(c) = [c - lo, c - lo + size) clipped to [0, channels), lo = floor((size - 1) / 2).
// x viewed as [batch, channels, inner] (inner: the product of the spatial dims). The window is
// summed afresh for every output, in float at every precision: a NaN or an infinity reaches only
// the outputs whose window holds it (a running sum that subtracts would spread it to every later
// channel). Each work-item computes 8 neighbouring spatial positions of one channel and re-reads
// the channels of its window from the cache: on PoCL a window of 5 costs no more than one on
// AlexNet's and Inception's shapes, so a column walking the channels would save nothing.
// dims (ceil(inner / 8), channels, batch)
#include "reduction.h"

// b^e. PoCL's pow took three quarters of the kernel's time (6.2 ms of 8 on AlexNet's first LRN):
// exp2(e * log2(b)) where that is exact enough (b positive and finite), pow for the rest (zero,
// negative, infinite and NaN bases keep pow's special cases).
inline float8 power8(const float8 b, const float e) {
    return all(b > 0.0f & b < INFINITY) ? exp2(e * log2(b)) : pow(b, (float8)e);
}

inline float power(const float b, const float e) {
    return b > 0.0f && b < INFINITY ? exp2(e * log2(b)) : pow(b, e);
}

__kernel void lrn(__global const mem_t *x, const int x_off, __global mem_t *y, const int y_off,
                  const int inner, const int channels, const int lo, const int size,
                  const float coef, const float bias, const float beta) {
    const int i = get_global_id(0) * 8, c = get_global_id(1), n = get_global_id(2);
    if (i >= inner || c >= channels) return;
    const int first = max(c - lo, 0), end = min(c - lo + size, channels);
    __global const mem_t *plane = x + x_off + n * channels * inner + i;   // channel 0 at position i
    const int at = (n * channels + c) * inner + i;
    if (i + 8 <= inner) {
        float8 sum = 0.0f;
        for (int k = first; k < end; ++k) {
            const float8 v = LOADF8(plane, k * inner);
            sum += v * v;
        }
        STOREF8(LOADF8(plane, c * inner) / power8(bias + coef * sum, beta), y_off + at, y);
    } else {
        for (int j = 0; j < inner - i; ++j) {
            float sum = 0.0f;
            for (int k = first; k < end; ++k) {
                const float v = LOADV(plane, k * inner + j);
                sum += v * v;
            }
            STOREV(LOADV(plane, c * inner + j) / power(bias + coef * sum, beta), y_off + at + j, y);
        }
    }
}
