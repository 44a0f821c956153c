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

#if defined(A_FLOAT) && A_BITS == 64
#define p_t double
#else
#define p_t float
#endif

layout(std430, binding = 0) readonly buffer X { a_t x[]; };
layout(std430, binding = 1) writeonly buffer Y { a_t y[]; };
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

void normalize(const int at, const int m) {
#ifdef STATS
    const p_t mu = p_t(mean[m]), s = sqrt(p_t(var[m]) + p.eps), g = p_t(scale[m]), b = p_t(bias[m]);
#else
    const p_t mu = prepared[m], s = prepared[p.mid + m], g = prepared[2 * p.mid + m], b = prepared[3 * p.mid + m];
#endif
    y[at] = a_t((p_t(x[at]) - mu) / s * g + b);
}

void main() {
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
