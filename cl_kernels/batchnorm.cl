// BatchNormalization in inference mode, y = (x - mean) / s * scale + bias with s = sqrt(var + eps)
// per channel (dim 1), in the spec's order (folding 1 / s into scale would overflow elsewhere),
// computed in p_t: float, or double for double tensors (-DP_T=...).
//   affine_*  the parameters prepared once per session on the host: p = [mean | s | scale | bias]
//   stats_*   scale, bias, mean and var computed on the device (role B, elementwise.h), s per use
// A program holds the one kernel -DFORM_<name> asks for (see binary.cl).
// Layouts as binary.cl's: *_channel for x viewed as [outer, mid, inner] (NCHW...: inner the
// spatial size), *_row for [outer, mid] (an N x C input). x and y are role A.
#include "elementwise.h"

typedef P_T p_t;

typedef struct { p_t mean, s, scale, bias; } params;

inline p_t normalize(const a_c x, const params p) {
    return ((p_t)x - p.mean) / p.s * p.scale + p.bias;
}

inline params prepared(__global const p_t *p, const int mid, const int m) {
    return (params){p[m], p[mid + m], p[2 * mid + m], p[3 * mid + m]};
}

inline params computed(__global const b_t *scale, const int s_off, __global const b_t *bias, const int b_off,
                       __global const b_t *mean, const int m_off, __global const b_t *var, const int v_off,
                       const p_t eps, const int m) {
    return (params){(p_t)LOAD_B(mean, m_off + m), sqrt((p_t)LOAD_B(var, v_off + m) + eps),
                    (p_t)LOAD_B(scale, s_off + m), (p_t)LOAD_B(bias, b_off + m)};
}

// y[at + k] = normalize(x[at + k]) for k < min(count, VEC)
inline void block(__global const a_t *x, __global a_t *y, const int at_x, const int at_y, const int count,
                  const params p) {
    if (count >= VEC) {
        a_c v[VEC];
        LOAD_BLOCK_A(x, at_x, v);
        for (int k = 0; k < VEC; ++k) v[k] = (a_c)normalize(v[k], p);
        STORE_BLOCK_A(v, at_y, y);
    } else {
        for (int k = 0; k < count; ++k) STORE_A((a_c)normalize(LOAD_A(x, at_x + k), p), at_y + k, y);
    }
}

#define XY __global const a_t *x, const int x_off, __global a_t *y, const int y_off
#define STATS __global const b_t *scale, const int s_off, __global const b_t *bias, const int b_off, \
              __global const b_t *mean, const int m_off, __global const b_t *var, const int v_off, const p_t eps
#define STATS_PASS scale, s_off, bias, b_off, mean, m_off, var, v_off, eps

// dims (inner / VEC, mid, outer)
#ifdef FORM_AFFINE_CHANNEL
__kernel void affine_channel(XY, __global const p_t *p, const int p_off, const int inner, const int mid) {
    const int r = get_global_id(0) * VEC, m = get_global_id(1), o = get_global_id(2);
    if (m >= mid) return;
    const int at = (o * mid + m) * inner + r;
    block(x, y, x_off + at, y_off + at, inner - r, prepared(p + p_off, mid, m));
}
#endif

#ifdef FORM_STATS_CHANNEL
__kernel void stats_channel(XY, STATS, const int inner, const int mid) {
    const int r = get_global_id(0) * VEC, m = get_global_id(1), o = get_global_id(2);
    if (m >= mid) return;
    const int at = (o * mid + m) * inner + r;
    block(x, y, x_off + at, y_off + at, inner - r, computed(STATS_PASS, m));
}
#endif

// dims (mid / VEC, outer): each element its own channel
#ifdef FORM_AFFINE_ROW
__kernel void affine_row(XY, __global const p_t *p, const int p_off, const int mid, const int outer) {
    const int m0 = get_global_id(0) * VEC, o = get_global_id(1), end = min(m0 + VEC, mid);
    if (o >= outer) return;
    for (int m = m0; m < end; ++m)
        STORE_A((a_c)normalize(LOAD_A(x, x_off + o * mid + m), prepared(p + p_off, mid, m)), y_off + o * mid + m, y);
}
#endif

#ifdef FORM_STATS_ROW
__kernel void stats_row(XY, STATS, const int mid, const int outer) {
    const int m0 = get_global_id(0) * VEC, o = get_global_id(1), end = min(m0 + VEC, mid);
    if (o >= outer) return;
    for (int m = m0; m < end; ++m)
        STORE_A((a_c)normalize(LOAD_A(x, x_off + o * mid + m), computed(STATS_PASS, m)), y_off + o * mid + m, y);
}
#endif
