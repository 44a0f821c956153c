#version 450
// Dropout at inference (and in training mode with ratio 0): y = x, and the optional mask all true.
// Roles (elementwise.glsl): A the data's type, B the mask's (bool from opset 10, the data's type
// before); built with MASK where the node has a mask output.
#extension GL_GOOGLE_include_directive : require
#include "elementwise.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { a_t x[]; };
layout(std430, binding = 1) writeonly buffer Y { a_t y[]; };
#ifdef MASK
layout(std430, binding = 2) writeonly buffer Mask { b_t mask[]; };
#endif
// `one`: the mask's value, pushed (a constant stored to 8 bits would need the Int8 capability)
layout(push_constant) uniform Params { int n; b_p one; } p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
    y[i] = x[i];
#ifdef MASK
    mask[i] = b_t(p.one);
#endif
}
