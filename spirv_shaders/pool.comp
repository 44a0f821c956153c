#version 450
// MaxPool and AveragePool over 1 to 3 spatial axes, gpu_infer/backends/vulkan/ops/pool.py, as
// cl_kernels/pool.cl.
//
// The input is planes (N * C) of D x H x W (1-D and 2-D pools have D = 1, H = 1); the push
// constants hold (D, H, W) per quantity: the input and output sizes, the window, the strides,
// the dilations and the begin pads, and [lo, hi), where AveragePool counts taps. An invocation
// computes OUT_COLS neighbouring outputs of one line (plane, od, oh); neighbouring invocations
// take neighbouring blocks of a line. Float data is read through texel views (reduction.glsl). A window tap at position q of
// an axis reads the input where 0 <= q < size; every other tap (padding, or the overhang of a
// ceil_mode window) is, as the CPU backend has it:
//   MaxPool       the lowest finite value (floats: -FLT_MAX, integers: their minimum)
//   AveragePool   zero, counted in the divisor when lo <= q < hi (the explicit pads with
//                 count_include_pad, else only the input; never the ceil_mode overhang)
// Variants: POOL_MAX (any element type, reduction.glsl), POOL_AVG (float), POOL_MAX with
// INDICES: MaxPool's Indices output (binding 2, int64 written as two words, low then high: no
// shaderInt64 needed; an index is below 2^31), the first maximum of the window in tap
// order (NaN wins, a padding tap counts as the lowest value), as the flat index of (n, c, d, h, w),
// or of (n, c, w, h, d) with storage_order 1.
// Bindings: 0 input, 1 output[, 2 indices]. Push constants: Params (104 bytes).
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
READ_DATA(0, src);
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
#ifdef INDICES
layout(std430, binding = 2) writeonly buffer Indices { uvec2 indices[]; };
#endif
layout(push_constant) uniform Params {
    int in_size[3], out_size[3], window[3], stride[3], dilation[3], pad[3], lo[3], hi[3];
    int planes, storage_order;
} p;

#ifdef A_FLOAT
#define POOL_LOW (-3.40282347e38)
#else
#define POOL_LOW VAL_LOWEST
#endif

// Taps of a window along axis k starting at `start` that lie in [lo, hi).
int taps_within(const int k, const int start) {
    int n = 0;
    for (int t = 0; t < p.window[k]; ++t) {
        const int q = start + t * p.dilation[k];
        n += (q >= p.lo[k] && q < p.hi[k]) ? 1 : 0;
    }
    return n;
}

#define OUT_COLS 4

// output ow of line `line` (plane, od, oh)
void pool_output(const int line, const int ow) {
    const int o = line * p.out_size[2] + ow;
    const int oh = line % p.out_size[1], od = (line / p.out_size[1]) % p.out_size[0];
    const int plane = line / (p.out_size[1] * p.out_size[0]);
    const int plane_size = p.in_size[0] * p.in_size[1] * p.in_size[2];
    const int first = plane * plane_size;
    const int d0 = od * p.stride[0] - p.pad[0], h0 = oh * p.stride[1] - p.pad[1], w0 = ow * p.stride[2] - p.pad[2];
#ifndef INDICES
    // a window wholly inside the input: no bounds checks (most outputs of a padded pool)
    const int dd = (p.window[0] - 1) * p.dilation[0], dh = (p.window[1] - 1) * p.dilation[1],
              dw = (p.window[2] - 1) * p.dilation[2];
    if (d0 >= 0 && h0 >= 0 && w0 >= 0 && d0 + dd < p.in_size[0] && h0 + dh < p.in_size[1] &&
        w0 + dw < p.in_size[2]) {
#ifdef POOL_MAX
        val_t acc = VAL_LOWEST;
#else
        float acc = 0.0;
#endif
        for (int kd = 0; kd < p.window[0]; ++kd)
            for (int kh = 0; kh < p.window[1]; ++kh) {
                const int row = first + ((d0 + kd * p.dilation[0]) * p.in_size[1] + h0 + kh * p.dilation[1]) *
                                p.in_size[2] + w0;
                for (int kw = 0; kw < p.window[2]; ++kw) {
#ifdef POOL_MAX
                    acc = max_val(acc, LOAD(src, row + kw * p.dilation[2]));
#else
                    acc += LOAD(src, row + kw * p.dilation[2]);
#endif
                }
            }
#ifdef POOL_MAX
        STOREV(dst, o, acc);
#else
        STOREV(dst, o, acc / float(p.window[0] * p.window[1] * p.window[2]));     // every tap counts
#endif
        return;
    }
#endif
#ifdef INDICES
    val_t best = POOL_LOW;
    int arg = 0;
    bool found = false;
#elif defined(POOL_MAX)
    val_t best = VAL_LOWEST;
    bool outside = false;
#else
    float sum = 0.0;
#endif
    for (int kd = 0; kd < p.window[0]; ++kd) {
        const int id = d0 + kd * p.dilation[0];
        for (int kh = 0; kh < p.window[1]; ++kh) {
            const int ih = h0 + kh * p.dilation[1];
            const bool row_in = id >= 0 && id < p.in_size[0] && ih >= 0 && ih < p.in_size[1];
            for (int kw = 0; kw < p.window[2]; ++kw) {
                const int iw = w0 + kw * p.dilation[2];
                const bool inside = row_in && iw >= 0 && iw < p.in_size[2];
                const int at = (id * p.in_size[1] + ih) * p.in_size[2] + iw;
#ifdef INDICES
                const val_t v = inside ? LOAD(src, first + at) : val_t(POOL_LOW);
#ifdef A_FLOAT
                const bool better = !is_nan(best) && (v > best || is_nan(v));
#else
                const bool better = v > best;
#endif
                if (!found || better) {
                    best = v;
                    arg = p.storage_order != 0 ? (iw * p.in_size[1] + ih) * p.in_size[0] + id : at;
                    found = true;
                }
#elif defined(POOL_MAX)
                if (inside) best = max_val(best, LOAD(src, first + at));
                else outside = true;
#else
                if (inside) sum += LOAD(src, first + at);
#endif
            }
        }
    }
#ifdef INDICES
    STOREV(dst, o, best);
    indices[o] = uvec2(uint(arg + first), 0u);
#elif defined(POOL_MAX)
    STOREV(dst, o, outside ? max_val(best, val_t(POOL_LOW)) : best);
#else
    const int count = taps_within(0, d0) * taps_within(1, h0) * taps_within(2, w0);
    STOREV(dst, o, sum / float(max(count, 1)));
#endif
}

void main() {
    const int blocks = (p.out_size[2] + OUT_COLS - 1) / OUT_COLS;
    const int t = INVOCATION_INDEX;
    if (t >= p.planes * p.out_size[0] * p.out_size[1] * blocks) return;
    const int line = t / blocks, ow0 = (t % blocks) * OUT_COLS;
    for (int ow = ow0; ow < min(ow0 + OUT_COLS, p.out_size[2]); ++ow) pool_output(line, ow);
}
