#version 450
// BatchNormalization in inference mode, y = (x - mean) / s * scale + bias with s = sqrt(var + eps)
// per channel (dim 1), in the spec's order (folding 1 / s into scale would overflow elsewhere),
// computed in p_t: float, or double for double tensors (cl_kernels/batchnorm.cl's semantics).
//   (default)  the parameters prepared once per session on the host: p = [mean | s | scale | bias]
//   -DSTATS    scale, bias, mean and var read on the device (x's type), s per use
// Specialization constant 3, the form: x viewed as [outer, mid, inner] (mid the channels)
//   FORM_CHANNEL  grid (inner, mid, outer)
//   FORM_ROW      grid (mid, outer): an N x C input (inner 1)
//   FORM_FLAT     n invocations, the channel by division (past the device's group-count limits)
#extension GL_GOOGLE_include_directive : require
#include "elementwise.glsl"

#define FORM_CHANNEL 0
#define FORM_ROW 1
#define FORM_FLAT 2

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const int FORM = 0;
layout(constant_id = 4) const int VEC = 1;  // FORM_CHANNEL: 4, 16 elements per invocation (FLOAT_READS)

#if defined(A_FLOAT) && A_BITS == 64
#define p_t double
#else
#define p_t float
#endif

// Bindings 0 x, 1 y, 2 (-DSTATS: 2-5) the parameters; with FLOAT_READS (elementwise.glsl, not with
// STATS) also 3 x again, four elements per index.
READ(0, x);
layout(std430, binding = 1) writeonly buffer Y { a_t y[]; };
#ifdef FLOAT_READS
READ4(3, x4);
#endif
#ifdef STATS
layout(std430, binding = 2) readonly buffer Scale { a_t scale[]; };
layout(std430, binding = 3) readonly buffer Bias { a_t bias[]; };
layout(std430, binding = 4) readonly buffer Mean { a_t mean[]; };
layout(std430, binding = 5) readonly buffer Var { a_t var[]; };
layout(push_constant) uniform Params { int n; int inner; int mid; int outer; p_t eps; } p;
#else
layout(std430, binding = 2) readonly buffer P { p_t prepared[]; };
layout(push_constant) uniform Params { int n; int inner; int mid; int outer; } p;
#endif

// Channel m's mean, s, scale and bias.
p_t[4] parameters(const int m) {
#ifdef STATS
    return p_t[4](p_t(mean[m]), sqrt(p_t(var[m]) + p.eps), p_t(scale[m]), p_t(bias[m]));
#else
    return p_t[4](prepared[m], prepared[p.mid + m], prepared[2 * p.mid + m], prepared[3 * p.mid + m]);
#endif
}

p_t normalized(const p_t v, const p_t[4] c) { return (v - c[0]) / c[1] * c[2] + c[3]; }

void normalize(const int at, const int m) { y[at] = a_t(normalized(p_t(LOAD(x, at)), parameters(m))); }

void main() {
#ifdef FLOAT_READS
    if (FORM == FORM_CHANNEL && VEC >= 4) {
        const int q = VEC >> 2, r = int(gl_GlobalInvocationID.x) * q, m = int(gl_GlobalInvocationID.y);
        const int o = int(gl_GlobalInvocationID.z), inner = p.inner >> 2;
        if (r >= inner || m >= p.mid || o >= p.outer) return;
        const p_t c[4] = parameters(m);
        const int first = (o * p.mid + m) * inner + r;
        for (int at = first; at < first + q; ++at) {
            const a_c4 v = LOAD4(x4, at);
            for (int k = 0; k < 4; ++k) y[at * 4 + k] = a_t(normalized(p_t(v[k]), c));
        }
        return;
    }
#endif
    if (FORM == FORM_CHANNEL) {
        const int r = int(gl_GlobalInvocationID.x), m = int(gl_GlobalInvocationID.y);
        const int o = int(gl_GlobalInvocationID.z);
        if (r < p.inner && m < p.mid && o < p.outer) normalize((o * p.mid + m) * p.inner + r, m);
    } else if (FORM == FORM_ROW) {
        const int m = int(gl_GlobalInvocationID.x), o = int(gl_GlobalInvocationID.y);
        if (m < p.mid && o < p.outer) normalize(o * p.mid + m, m);
    } else {
        const int i = INVOCATION_INDEX;
        if (i < p.n) normalize(i, (i / p.inner) % p.mid);
    }
}
