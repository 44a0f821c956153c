// The depthwise kernel, included by conv.cl once per horizontal stride with NAME and STRIDE_W
// defined (1 and 2 as constants, the compiler then emits plain vector loads; 0 for any stride,
// read from `sw`). A work-item computes DW_ROWS output rows x DW_COLS consecutive pixels of one
// channel; a tile whose taps all fall inside the input (most of them) reads without any check.
// Weights as the model stores them, [C][KH][KW]; the bias and the fused activation in the
// epilogue. Padding rows and columns still multiply (0 * inf = NaN, as the spec's sums do).

__kernel void NAME(__global const store_t *x, const int x_base, __global const store_t *w, const int w_base,
                   __global const store_t *bias, const int bias_base, const int has_bias,
                   __global store_t *y, const int y_base, const int C, const int H, const int W,
                   const int OH, const int OW, const int KH, const int KW, const int sh, const int sw_arg,
                   const int dh, const int dw, const int ph, const int pw, const int act, const float act_a,
                   const float act_b) {
#if STRIDE_W
    const int sw = STRIDE_W;
#else
    const int sw = sw_arg;
#endif
    const int ow0 = get_global_id(0) * DW_COLS;
    const int oh0 = get_global_id(1) * DW_ROWS;
    const int bc = get_global_id(2);
    if (ow0 >= OW || oh0 >= OH) return;
    const int c = bc % C;
    __global const store_t *xc = x + x_base + bc * H * W;
    __global const store_t *wc = w + w_base + c * KH * KW;
    float8 acc[DW_ROWS][DW_VECS];
    #pragma unroll
    for (int r = 0; r < DW_ROWS; ++r) {
        #pragma unroll
        for (int v = 0; v < DW_VECS; ++v) acc[r][v] = (float8)(0.0f);
    }
    const int left = ow0 * sw - pw, top = oh0 * sh - ph;
    const int last = left + 8 * (DW_VECS - 1) * sw + (KW - 1) * dw + 8 * sw - 1;   // furthest column read
    const int interior = left >= 0 && last < W && top >= 0 && top + (DW_ROWS - 1) * sh + (KH - 1) * dh < H;
    for (int kh = 0; kh < KH; ++kh) {
        for (int kw = 0; kw < KW; ++kw) {
            const float8 wv = (float8)(LOADF(wc, kh * KW + kw));
            #pragma unroll
            for (int r = 0; r < DW_ROWS; ++r) {
                const int ih = top + r * sh + kh * dh;
                __global const store_t *row = xc + ih * W;
                #pragma unroll
                for (int v = 0; v < DW_VECS; ++v) {
                    const int iw0 = left + 8 * v * sw + kw * dw;
                    float8 px;
                    if (!interior) px = ih >= 0 && ih < H ? row_pixels(row, iw0, sw, W) : (float8)(0.0f);
                    else if (sw == 1) px = LOADF8(row, iw0);
                    else if (sw == 2) px = (float8)(LOADF8(row, iw0).even, LOADF8(row, iw0 + 8).even);
                    else px = row_pixels(row, iw0, sw, W);
                    acc[r][v] = fma(wv, px, acc[r][v]);
                }
            }
        }
    }
    const float8 add = (float8)(has_bias ? LOADF(bias, bias_base + c) : 0.0f);
    #pragma unroll
    for (int r = 0; r < DW_ROWS; ++r) {
        if (oh0 + r < OH) {
            #pragma unroll
            for (int v = 0; v < DW_VECS; ++v)
                store_outputs(acc[r][v] + add, y + y_base + (bc * OH + oh0 + r) * OW, ow0 + 8 * v, OW - ow0 - 8 * v,
                              act, act_a, act_b);
        }
    }
}
