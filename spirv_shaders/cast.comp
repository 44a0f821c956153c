#version 450
// Cast (and CastLike): y = x converted from role A (the source) to role B (the target), ONNX's
// rules as cl_kernels/cast.cl's (elementwise.glsl for the roles):
//   float -> integer   truncated toward zero; out of range and NaN, which ONNX leaves to the
//                      implementation, saturate and give 0 for NaN
//   integer -> integer wraps (two's complement), as NumPy and C
//   -> float           rounded to nearest even
//   -> bool            x != 0 (NaN is true); bool -> anything: 0 or 1
#extension GL_GOOGLE_include_directive : require
#include "elementwise.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { a_t x[]; };
layout(std430, binding = 1) writeonly buffer Y { b_t y[]; };
layout(push_constant) uniform Params { int n; } p;

b_c convert(const a_c v) {
#if defined(B_BOOL)
#if defined(A_FLOAT)
    return b_c(is_nan(v) || v != a_c(0) ? 1 : 0);
#else
    return b_c(v != a_c(0) ? 1 : 0);
#endif
#elif defined(B_FLOAT) || !defined(A_FLOAT)
    return b_c(v);
#else
    if (is_nan(v)) return b_c(0);
    if (v <= a_c(B_MIN)) return b_c(B_MIN);
    if (v >= a_c(B_MAX)) return b_c(B_MAX);                 // (B_MAX rounds up to a power of 2 in a_c)
    return b_c(trunc(v));
#endif
}

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
    y[i] = b_t(convert(a_c(x[i])));
}
