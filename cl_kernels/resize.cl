// Resize and Upsample, gpu_infer/backends/opencl/ops/resize.py.
//
// The output is seen as (lead, OH, OW): its last two axes and everything before them
// flattened. The host computed, once, the taps each output index of the three parts reads: an
// input element offset (lead: of the leading axes' position; rows: ih * W; cols: iw) and a
// weight. They lie in one int table (weights as float bits), a section per part, tap-major:
//   offsets[t * n + o] (n * taps of them), then weights[t * n + o]   (n: the part's size)
// An offset of -1 (in tap 0) marks a coordinate outside the input (tf_crop_and_resize): the
// output there is `extrapolation`. Output (p, oh, ow) = sum over the taps of the three parts of
// w_lead * w_row * w_col * x[off_lead + off_row + off_col].
//
// A work-item writes 8 neighbouring outputs along OW (dimension 0: ow / 8, 1: oh, 2: p),
// gathering them through the cols section (8 offsets and weights per tap as vectors):
//   resize_nearest   one tap per part, no weights (integer data too: -DELEM, one at a time);
//                    `twice` 1 when output column ow reads input column ow / 2 (a nearest x2
//                    upsampling along W): 4 neighbouring inputs each written twice
//   resize_taps      any number of taps (linear, cubic, antialiased), summed in float
#include "reduction.h"

#define RESIZE_ARGS                                                                  \
    __global const mem_t *src, const int src_off, __global mem_t *dst, const int dst_off, \
    __global const int *table, const int table_off, const int4 size, const int4 taps,  \
    const int4 section, const float extrapolation

#define OUTPUT_BLOCK                                                                 \
    const int ow = get_global_id(0) * 8, oh = get_global_id(1), p = get_global_id(2); \
    if (ow >= size.z || oh >= size.y || p >= size.x) return;                         \
    const int out = dst_off + (p * size.y + oh) * size.z + ow;                       \
    const int n = min(8, size.z - ow);                                               \
    __global const int *lead = table + table_off + section.x + p;                    \
    __global const int *row = table + table_off + section.y + oh;                    \
    __global const int *col = table + table_off + section.z + ow

__kernel void resize_nearest(RESIZE_ARGS, const int twice) {
    OUTPUT_BLOCK;
    const int base = lead[0] + row[0];
    if ((lead[0] | row[0]) < 0) {
        for (int j = 0; j < n; ++j) STOREV((val_t)extrapolation, out + j, dst);
        return;
    }
    __global const mem_t *in = src + src_off + base;
#ifndef ELEM
    if (n == 8) {
        float8 v;
        if (twice) {
            v = LOADF8(in, ow / 2).s00112233;
        } else {
            const int8 c = vload8(0, col);
            v = (float8)(LOADV(in, max(c.s0, 0)), LOADV(in, max(c.s1, 0)), LOADV(in, max(c.s2, 0)),
                         LOADV(in, max(c.s3, 0)), LOADV(in, max(c.s4, 0)), LOADV(in, max(c.s5, 0)),
                         LOADV(in, max(c.s6, 0)), LOADV(in, max(c.s7, 0)));
            v = select(v, (float8)extrapolation, c < 0);
        }
        STOREF8(v, out, dst);
        return;
    }
#endif
    for (int j = 0; j < n; ++j) {
        const int c = col[j];
        STOREV(c < 0 ? (val_t)extrapolation : LOADV(in, c), out + j, dst);
    }
}

#ifndef ELEM
// The 8 inputs at offsets c (relative to in), weighed by w, added to acc; fewer than 8 outputs:
// the first n lanes only.
inline float8 add_taps(float8 acc, __global const mem_t *in, const int8 c, const float8 w, const int n) {
    if (n == 8)
        return acc + w * (float8)(LOADV(in, c.s0), LOADV(in, c.s1), LOADV(in, c.s2), LOADV(in, c.s3),
                                  LOADV(in, c.s4), LOADV(in, c.s5), LOADV(in, c.s6), LOADV(in, c.s7));
    float v[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const int ci[8] = {c.s0, c.s1, c.s2, c.s3, c.s4, c.s5, c.s6, c.s7};
    for (int j = 0; j < n; ++j) v[j] = LOADV(in, ci[j]);
    return acc + w * vload8(0, v);
}

__kernel void resize_taps(RESIZE_ARGS) {
    OUTPUT_BLOCK;
    float8 acc = 0.0f;
    const bool lead_out = lead[0] < 0, row_out = row[0] < 0;
    if (!lead_out && !row_out) {
        for (int i = 0; i < taps.x; ++i) {
            const float wl = as_float(lead[(taps.x + i) * size.x]);
            for (int j = 0; j < taps.y; ++j) {
                const float w = wl * as_float(row[(taps.y + j) * size.y]);
                __global const mem_t *in = src + src_off + lead[i * size.x] + row[j * size.y];
                float8 line = 0.0f;
                for (int k = 0; k < taps.z; ++k) {
                    // this tap's offsets and weights of the 8 outputs (fewer at the row's end)
                    int8 ck = 0;
                    float8 wk = 0.0f;
                    if (n == 8) {
                        ck = vload8(0, col + k * size.z);
                        wk = as_float8(vload8(0, col + (taps.z + k) * size.z));
                    } else {
                        int cs[8] = {0, 0, 0, 0, 0, 0, 0, 0}, ws[8] = {0, 0, 0, 0, 0, 0, 0, 0};
                        for (int q = 0; q < n; ++q) {
                            cs[q] = col[k * size.z + q];
                            ws[q] = col[(taps.z + k) * size.z + q];
                        }
                        ck = vload8(0, cs);
                        wk = as_float8(vload8(0, ws));
                    }
                    line = add_taps(line, in, max(ck, 0), wk, n);
                }
                acc += w * line;
            }
        }
    }
    if (lead_out || row_out) acc = extrapolation;
    if (n == 8) {
        STOREF8(select(acc, (float8)extrapolation, vload8(0, col) < 0), out, dst);
        return;
    }
    float r[8];
    vstore8(acc, 0, r);
    for (int j = 0; j < n; ++j) STOREV(col[j] < 0 ? extrapolation : r[j], out + j, dst);
}
#endif
