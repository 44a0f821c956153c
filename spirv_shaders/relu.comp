#version 450
// Relu: y = max(x, 0), keeping NaN (ONNX, NumPy) and mapping -0.0 to +0.0 (as onnx's reference
// and the CPU backend do; the spec leaves the sign open). Decided on the bits of x: without the
// SignedZeroInfNanPreserve execution mode a Vulkan compiler may assume there is no NaN and give
// max(NaN, 0) or a comparison with NaN any answer (lavapipe's max() returned 0).
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer X { store_t x[]; };
layout(std430, binding = 1) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params { int n; } p;

// -0.0 down to -inf; every NaN, whatever its sign bit, lies outside this range
bool negative_not_nan(float v) {
    const uint bits = floatBitsToUint(v);
    return bits >= 0x80000000u && bits <= 0xff800000u;
}

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
    const real v = real(x[i]);
    y[i] = store_t(negative_not_nan(float(v)) ? real(0) : v);
}
