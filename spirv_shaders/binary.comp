#version 450
// Broadcasting binary op; the operator comes from a define (OP_ADD).
// dims: output shape over 6 dims; sa/sb: each input's element strides, 0 where it broadcasts.
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"

#if defined(OP_ADD)
#define BINARY(a, b) ((a) + (b))
#endif

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer A { store_t a[]; };
layout(std430, binding = 1) readonly buffer B { store_t b[]; };
layout(std430, binding = 2) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params { int n; int dims[6]; int sa[6]; int sb[6]; } p;

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
    int rest = i, ia = 0, ib = 0;
    for (int k = 5; k >= 0; --k) {
        const int c = rest % p.dims[k];
        rest /= p.dims[k];
        ia += c * p.sa[k];
        ib += c * p.sb[k];
    }
    y[i] = store_t(BINARY(real(a[ia]), real(b[ib])));
}
