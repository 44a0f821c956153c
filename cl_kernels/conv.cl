// Convolution kernels besides the GEMM core (gemm.cl): the padded, phase-split planes the GEMM
// reads a general convolution from, and depthwise convolution.
#include "precision.h"
#include "float_io.h"
#include "activation_any.h"

// planes[bc][phase][zd][zh][zw] = x[bc][zd*sd + qd - pd][zh*sh + qh - ph][zw*sw + qw - pw], zero
// outside the input, where phase = (qd*sh + qh)*sw + qw (gpu_infer/backends/opencl/ops/conv_geometry.py).
// Work-item: one plane element; dimension 0 runs along zw.
__kernel void conv_planes(__global const store_t *x, const int x_base, __global store_t *planes, const int p_base,
                          const int D, const int H, const int W, const int Dp, const int Hp, const int Wp,
                          const int sd, const int sh, const int sw, const int pd, const int ph, const int pw,
                          const int rows) {
    const int zw = get_global_id(0);
    const int r = get_global_id(1);                  // (bc, phase, zd, zh) row of the planes
    if (zw >= Wp || r >= rows) return;
    const int zh = r % Hp;
    const int zd = (r / Hp) % Dp;
    const int q = (r / (Hp * Dp)) % (sd * sh * sw);
    const int bc = r / (Hp * Dp * sd * sh * sw);
    const int iw = zw * sw + q % sw - pw;
    const int ih = zh * sh + (q / sw) % sh - ph;
    const int id = zd * sd + q / (sw * sh) - pd;
    const int inside = iw >= 0 && iw < W && ih >= 0 && ih < H && id >= 0 && id < D;
    const float v = inside ? LOADF(x, x_base + ((bc * D + id) * H + ih) * W + iw) : 0.0f;
    STOREF(v, p_base + r * Wp + zw, planes);
}

// Eight output pixels of a row read as one vector: lane j at input column iw0 + j * sw.
inline float8 row_pixels(__global const store_t *row, const int iw0, const int sw, const int W) {
    if (iw0 >= 0 && iw0 + 7 * sw < W) {
        if (sw == 1) return LOADF8(row, iw0);
        if (sw == 2 && iw0 + 15 < W) return (float8)(LOADF8(row, iw0).even, LOADF8(row, iw0 + 8).even);
    }
    float lanes[8];
    #pragma unroll
    for (int j = 0; j < 8; ++j) {
        const int iw = iw0 + j * sw;
        lanes[j] = iw >= 0 && iw < W ? LOADF(row, iw) : 0.0f;
    }
    return vload8(0, lanes);
}

// Depthwise convolution (group = C = M), 1-D or 2-D: a work-item computes eight consecutive
// output pixels of one row of one channel, with the bias and the fused activation.
// Weights as the model stores them, [C][KH][KW].
__kernel void depthwise(__global const store_t *x, const int x_base, __global const store_t *w, const int w_base,
                        __global const store_t *bias, const int bias_base, const int has_bias,
                        __global store_t *y, const int y_base, const int C, const int H, const int W,
                        const int OH, const int OW, const int KH, const int KW, const int sh, const int sw,
                        const int dh, const int dw, const int ph, const int pw, const int act, const float act_a,
                        const float act_b) {
    const int ow0 = get_global_id(0) * 8;
    const int oh = get_global_id(1);
    const int bc = get_global_id(2);
    if (ow0 >= OW || oh >= OH) return;
    const int c = bc % C;
    __global const store_t *xc = x + x_base + bc * H * W;
    __global const store_t *wc = w + w_base + c * KH * KW;
    float8 acc = (float8)(0.0f);
    for (int kh = 0; kh < KH; ++kh) {
        const int ih = oh * sh - ph + kh * dh;
        const int inside = ih >= 0 && ih < H;         // padding rows still multiply (0 * inf = NaN, as the spec's)
        __global const store_t *row = xc + ih * W;
        for (int kw = 0; kw < KW; ++kw) {
            const float8 px = inside ? row_pixels(row, ow0 * sw - pw + kw * dw, sw, W) : (float8)(0.0f);
            acc = fma((float8)(LOADF(wc, kh * KW + kw)), px, acc);
        }
    }
    if (has_bias) acc += (float8)(LOADF(bias, bias_base + c));
    float out[8];
    vstore8(acc, 0, out);
    __global store_t *yr = y + y_base + (bc * OH + oh) * OW;
    if (ow0 + 8 <= OW) {
        #pragma unroll
        for (int j = 0; j < 8; ++j) out[j] = activate_by(act, out[j], act_a, act_b);
        STOREF8(vload8(0, out), ow0, yr);
    } else {
        for (int j = 0; ow0 + j < OW; ++j) STOREF(activate_by(act, out[j], act_a, act_b), ow0 + j, yr);
    }
}
