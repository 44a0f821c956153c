#version 450
// Relu: y = max(x, 0).
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer X { store_t x[]; };
layout(std430, binding = 1) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params { int n; } p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
    const real v = real(x[i]);
    y[i] = store_t(max(v, real(0)));
}
