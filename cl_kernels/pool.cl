// MaxPool and AveragePool over 1 to 3 spatial axes, gpu_infer/backends/opencl/ops/pool.py.
//
// The input is planes (N * C) of D x H x W (1-D and 2-D pools have D = 1, H = 1); int4
// arguments hold (D, H, W, unused) per quantity: the input and output sizes, the window, the
// strides, the dilations and the begin pads. A window tap at position p of an axis reads the
// input where 0 <= p < size; every other tap (padding, or the overhang of a ceil_mode window)
// is, as the CPU backend has it:
//   MaxPool       the lowest finite value (floats: -FLT_MAX, integers: their minimum)
//   AveragePool   zero, counted in the divisor when lo <= p < hi (the explicit pads with
//                 count_include_pad, else only the input; never the ceil_mode overhang)
// Build options: -DPOOL_MAX or -DPOOL_AVG; reduction.h's -DELEM for integer MaxPool.
// Kernels:
//   pool            one output per work-item (dimension 0: ow, 1: oh, 2: plane * D_out + od)
//   pool_w8         8 neighbouring outputs along W per work-item (float, D = 1, stride along
//                   W 1 or 2, no dilation along W), each tap a vector read; falls back to one
//                   output at a time near the edges
//   maxpool_indices MaxPool with its Indices output: the first maximum of the window in tap
//                   order (NaN wins, a padding tap counts as the lowest value), as the flat
//                   index of (n, c, d, h, w), or of (n, c, w, h, d) with storage_order 1
#include "reduction.h"

// 8 elements 2 apart from index i: the taps of 8 outputs of a stride-2 window
#define LOAD_EVEN8(p, i) ((float8)(LOADF8(p, i).even, LOADF8(p, (i) + 8).even))

#ifdef ELEM
#define POOL_LOW VAL_LOWEST
#define IS_NAN(v) 0
#else
#define POOL_LOW (-FLT_MAX)
#define IS_NAN(v) isnan(v)
#endif

#define POOL_ARGS                                                                    \
    __global const mem_t *src, const int src_off, __global mem_t *dst, const int dst_off, \
    const int4 in_size, const int4 out_size, const int4 window, const int4 stride,  \
    const int4 dilation, const int4 pad, const int4 lo, const int4 hi, const int planes

// Taps of a window starting at `start` (k taps `step` apart) that lie in [lo, hi).
inline int taps_within(const int start, const int k, const int step, const int lo, const int hi) {
    int n = 0;
    for (int t = 0; t < k; ++t) {
        const int p = start + t * step;
        n += p >= lo && p < hi;
    }
    return n;
}

// One output of the plane starting at p, its window's first tap at (d0, h0, w0).
inline val_t pool_at(__global const mem_t *p, const int d0, const int h0, const int w0, const int4 in_size,
                     const int4 window, const int4 dilation, const int4 lo, const int4 hi) {
#ifdef POOL_MAX
    val_t best = VAL_LOWEST;
    bool outside = false;
#else
    float sum = 0.0f;
#endif
    for (int kd = 0; kd < window.x; ++kd) {
        const int id = d0 + kd * dilation.x;
        for (int kh = 0; kh < window.y; ++kh) {
            const int ih = h0 + kh * dilation.y;
            const bool row_in = id >= 0 && id < in_size.x && ih >= 0 && ih < in_size.y;
            for (int kw = 0; kw < window.z; ++kw) {
                const int iw = w0 + kw * dilation.z;
                if (row_in && iw >= 0 && iw < in_size.z) {
                    const val_t v = LOADV(p, (id * in_size.y + ih) * in_size.z + iw);
#ifdef POOL_MAX
                    best = max_val(best, v);
                } else {
                    outside = true;
#else
                    sum += v;
#endif
                }
            }
        }
    }
#ifdef POOL_MAX
    return outside ? max_val(best, POOL_LOW) : best;
#else
    const int count = taps_within(d0, window.x, dilation.x, lo.x, hi.x) *
                      taps_within(h0, window.y, dilation.y, lo.y, hi.y) *
                      taps_within(w0, window.z, dilation.z, lo.z, hi.z);
    return sum / (float)max(count, 1);
#endif
}

#define PLANE_AND_DEPTH                                                              \
    const int od = get_global_id(2) % out_size.x, plane = get_global_id(2) / out_size.x;   \
    __global const mem_t *p = src + src_off + plane * in_size.x * in_size.y * in_size.z;   \
    const int d0 = od * stride.x - pad.x, h0 = oh * stride.y - pad.y;                 \
    const int out_at = dst_off + ((plane * out_size.x + od) * out_size.y + oh) * out_size.z

__kernel void pool(POOL_ARGS) {
    const int ow = get_global_id(0), oh = get_global_id(1);
    if (ow >= out_size.z || oh >= out_size.y || get_global_id(2) >= planes * out_size.x) return;
    PLANE_AND_DEPTH;
    STOREV(pool_at(p, d0, h0, ow * stride.z - pad.z, in_size, window, dilation, lo, hi), out_at + ow, dst);
}

#ifndef ELEM
__kernel void pool_w8(POOL_ARGS) {
    const int ow = get_global_id(0) * 8, oh = get_global_id(1);
    if (ow >= out_size.z || oh >= out_size.y || get_global_id(2) >= planes * out_size.x) return;
    PLANE_AND_DEPTH;
    const int w0 = ow * stride.z - pad.z;
    if (ow + 8 > out_size.z || w0 < 0 || w0 + 8 * stride.z + window.z - 1 > in_size.z) {
        for (int j = 0; j < 8 && ow + j < out_size.z; ++j)
            STOREV(pool_at(p, d0, h0, w0 + j * stride.z, in_size, window, dilation, lo, hi), out_at + ow + j, dst);
        return;
    }
#ifdef POOL_MAX
    float8 acc = -INFINITY;
    bool outside = false;
#else
    float8 acc = 0.0f;
#endif
    for (int kh = 0; kh < window.y; ++kh) {
        const int ih = h0 + kh * dilation.y;
        if (ih < 0 || ih >= in_size.y) {
#ifdef POOL_MAX
            outside = true;
#endif
            continue;
        }
        __global const mem_t *row = p + ih * in_size.z + w0;
        for (int kw = 0; kw < window.z; ++kw) {
            const float8 v = stride.z == 1 ? LOADF8(row, kw) : LOAD_EVEN8(row, kw);
#ifdef POOL_MAX
            acc = max_f(acc, v);
#else
            acc += v;
#endif
        }
    }
#ifdef POOL_MAX
    if (outside) acc = max_f(acc, (float8)POOL_LOW);
#else
    acc /= (float)max(taps_within(h0, window.y, dilation.y, lo.y, hi.y) * window.z, 1);
#endif
    STOREF8(acc, out_at + ow, dst);
}
#endif

#ifdef POOL_MAX
__kernel void maxpool_indices(POOL_ARGS, __global long *indices, const int indices_off, const int storage_order) {
    const int ow = get_global_id(0), oh = get_global_id(1);
    if (ow >= out_size.z || oh >= out_size.y || get_global_id(2) >= planes * out_size.x) return;
    PLANE_AND_DEPTH;
    const int w0 = ow * stride.z - pad.z;
    val_t best = POOL_LOW;
    long arg = 0;
    bool first = true;
    for (int kd = 0; kd < window.x; ++kd) {
        const int id = d0 + kd * dilation.x;
        for (int kh = 0; kh < window.y; ++kh) {
            const int ih = h0 + kh * dilation.y;
            for (int kw = 0; kw < window.z; ++kw) {
                const int iw = w0 + kw * dilation.z;
                const bool inside = id >= 0 && id < in_size.x && ih >= 0 && ih < in_size.y && iw >= 0 &&
                                    iw < in_size.z;
                const val_t v = inside ? LOADV(p, (id * in_size.y + ih) * in_size.z + iw) : POOL_LOW;
                if (first || (!IS_NAN(best) && (v > best || IS_NAN(v)))) {
                    best = v;
                    arg = storage_order ? ((long)iw * in_size.y + ih) * in_size.x + id
                                        : ((long)id * in_size.y + ih) * in_size.z + iw;
                    first = false;
                }
            }
        }
    }
    STOREV(best, out_at + ow, dst);
    indices[indices_off + out_at - dst_off + ow] = arg + (long)plane * in_size.x * in_size.y * in_size.z;
}
#endif
