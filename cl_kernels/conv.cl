// Convolution kernels besides the GEMM core (gemm.cl): the padded, phase-split planes the GEMM
// reads a general convolution from, and depthwise convolution. A program holds the one kernel
// named by -DKERNEL_<name> (gpu_infer/backends/opencl/ops/gemm_core.py: ONE_KERNEL_FAMILIES).
#include "precision.h"
#include "float_io.h"
#include "activation_any.h"

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

#ifdef KERNEL_conv_planes
// planes[bc][phase][zd][zh][zw] = x[bc][zd*sd + qd - pd][zh*sh + qh - ph][zw*sw + qw - pw], zero
// outside the input, where phase = (qd*sh + qh)*sw + qw (gpu_infer/backends/opencl/ops/conv_geometry.py).
// Work-item: one plane row, eight elements at a time (vector loads and stores inside the input
// for strides 1 and 2); dimension 0 runs along zh, 1 over (bc, phase, zd). A row per work-item
// pays the index divisions once per row, not once per eight elements (they cost more than the
// copy on a CPU device).
__kernel void conv_planes(__global const store_t *x, const int x_base, __global store_t *planes, const int p_base,
                          const int D, const int H, const int W, const int Dp, const int Hp, const int Wp,
                          const int sd, const int sh, const int sw, const int pd, const int ph, const int pw,
                          const int slices) {
    const int zh = get_global_id(0);
    const int r = get_global_id(1);                  // (bc, phase, zd)
    if (zh >= Hp || r >= slices) return;
    const int zd = r % Dp;
    const int q = (r / Dp) % (sd * sh * sw);
    const int bc = r / (Dp * sd * sh * sw);
    const int ih = zh * sh + (q / sw) % sh - ph;
    const int id = zd * sd + q / (sw * sh) - pd;
    const int qw = q % sw - pw;
    __global store_t *out = planes + p_base + (r * Hp + zh) * Wp;
    const int inside = ih >= 0 && ih < H && id >= 0 && id < D;
    __global const store_t *row = x + x_base + ((bc * D + id) * H + ih) * W;
    for (int zw0 = 0; zw0 < Wp; zw0 += 8) {
        const float8 v = inside ? row_pixels(row, zw0 * sw + qw, sw, W) : (float8)(0.0f);
        if (zw0 + 8 <= Wp) {
            STOREF8(v, zw0, out);
        } else {
            float lanes[8];
            vstore8(v, 0, lanes);
            for (int j = 0; zw0 + j < Wp; ++j) STOREF(lanes[j], zw0 + j, out);
        }
    }
}
#endif

// Eight consecutive outputs from index o of a row: the fused activation applied, those past
// `live` not stored.
inline void store_outputs(const float8 v, __global store_t *row, const int o, const int live, const int act,
                          const float act_a, const float act_b) {
    const float8 a = activate_by8(act, v, act_a, act_b);
    if (live >= 8) {
        STOREF8(a, o, row);
    } else {
        float out[8];
        vstore8(a, 0, out);
        for (int j = 0; j < live; ++j) STOREF(out[j], o + j, row);
    }
}

// Depthwise convolution (group = C = M), 1-D or 2-D: depthwise_tile.h per horizontal stride.
#define DW_ROWS 2
#define DW_VECS 2
#define DW_COLS (8 * DW_VECS)

#ifdef KERNEL_depthwise_s1
#define NAME depthwise_s1
#define STRIDE_W 1
#include "depthwise_tile.h"
#endif

#ifdef KERNEL_depthwise_s2
#define NAME depthwise_s2
#define STRIDE_W 2
#include "depthwise_tile.h"
#endif

#ifdef KERNEL_depthwise
#define NAME depthwise
#define STRIDE_W 0
#include "depthwise_tile.h"
#endif
