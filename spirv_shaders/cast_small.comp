#version 450
// Cast (and CastLike) to, from and between the narrow ONNX types (small_types.glsl), as
// cl_kernels/cast.cl: a narrow role (A_NARROW / B_NARROW) holds raw bits (uint8_t, bfloat16
// uint16_t), its format a specialization constant; the other role is a type of types.glsl.
//   -> a narrow float  through float (rounded to nearest even), then its encoding; SATURATE for
//                      float8, ROUND_MODE for float8e8m0
//   -> a narrow int    the low bits of the value (floats truncated toward zero first)
//   narrow ->          its value (float or int), then cast.comp's rules
#extension GL_GOOGLE_include_directive : require
#include "elementwise.glsl"
#include "small_types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 3) const int SOURCE = 0;     // the narrow source's format (small_types.glsl)
layout(constant_id = 4) const int TARGET = 0;     // the narrow target's format
layout(constant_id = 5) const int SATURATE = 1;
layout(constant_id = 6) const int ROUND_MODE = 0; // 0 up, 1 down, 2 nearest
layout(std430, binding = 0) readonly buffer X { a_t x[]; };
layout(std430, binding = 1) writeonly buffer Y { b_t y[]; };
layout(push_constant) uniform Params { int n; } p;

#ifdef B_NARROW
uint encode_value(const float v) {
    return float_format(TARGET) ? encode_float(TARGET, v, SATURATE != 0, ROUND_MODE) : float_bits(TARGET, v);
}
uint encode_value(const int v) {
    return float_format(TARGET) ? encode_float(TARGET, float(v), SATURATE != 0, ROUND_MODE) : int_bits(TARGET, v);
}
#if defined(A_FLOAT) && A_BITS == 64
// A double's integer bits from its own bits (no int64 arithmetic; lavapipe's double trunc / floor
// are inexact past 2^24): |v| = m x 2^e with m its 53-bit mantissa, floor(|v|) = m >> -e or m << e,
// and its low 4 bits negated for negative values.
uint double_bits(const double v) {
    if (is_nan(v) || v <= -9223372036854775808.0LF) return 0u;
    if (v >= 9223372036854775808.0LF) return int_mask(TARGET);
    const uvec2 w = unpackDouble2x32(v);
    const uint hi = (w.y & 0xFFFFFu) | 0x100000u, lo = w.x;
    const int e = int((w.y >> 20) & 0x7FFu) - 1075;
    uint low = 0u;
    if (e >= 0) low = e < 4 ? (lo << e) & 0xFu : 0u;
    else if (-e < 32) low = ((lo >> -e) | (hi << (32 + e))) & 0xFu;
    else if (-e < 53) low = (hi >> (-e - 32)) & 0xFu;
    return (w.y >> 31 != 0u ? 16u - low : low) & int_mask(TARGET);
}
uint encode_value(const double v) {
    return float_format(TARGET) ? encode_float(TARGET, float(v), SATURATE != 0, ROUND_MODE) : double_bits(v);
}
#elif !defined(A_FLOAT) && !defined(A_NARROW) && !(defined(A_SIGNED) && A_BITS == 32)
uint encode_value(const a_c v) {                // 64-bit and unsigned integers, bool: as int's
    return float_format(TARGET) ? encode_float(TARGET, float(v), SATURATE != 0, ROUND_MODE)
                                : uint(v & a_c(int_mask(TARGET)));
}
#endif
#else
b_c to_target(const float v) {
#if defined(B_BOOL)
    return b_c(is_nan(v) || v != 0.0 ? 1 : 0);
#elif defined(B_FLOAT)
    return b_c(v);
#else
    if (is_nan(v)) return b_c(0);
    if (v <= float(B_MIN)) return b_c(B_MIN);
    if (v >= float(B_MAX)) return b_c(B_MAX);
    return b_c(trunc(v));
#endif
}
b_c to_target(const int v) {
#if defined(B_BOOL)
    return b_c(v != 0 ? 1 : 0);
#elif B_BITS == 64 && !defined(B_FLOAT)
    return b_c(int64_t(v));                     // sign-extended, then (unsigned) its bits
#else
    return b_c(v);
#endif
}
#endif

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
#ifdef A_NARROW
    const uint c = uint(x[i]);
#ifdef B_NARROW
    y[i] = b_t(float_format(SOURCE) ? encode_value(decode_float(SOURCE, c)) : encode_value(decode_int(SOURCE, c)));
#else
    y[i] = b_t(float_format(SOURCE) ? to_target(decode_float(SOURCE, c)) : to_target(decode_int(SOURCE, c)));
#endif
#else
    y[i] = b_t(encode_value(a_c(x[i])));
#endif
}
