// What the elementwise shaders share (unary.comp, binary.comp, cast.comp, batchnorm.comp), as
// cl_kernels/elementwise.h: element types by role (types.glsl), NumPy's maximum / minimum, and
// wrapping integer arithmetic. Role A is the op's type (its inputs and output; Cast's source),
// role B a second one (Pow's exponent, Cast's target), A when not given.
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

#define a_t A_T
#define a_c A_C
#define a_p A_P
#ifdef B_T
#define b_t B_T
#define b_c B_C
#define b_p B_P
#else
#define b_t a_t
#define b_c a_c
#define b_p a_p
#if defined(A_FLOAT)
#define B_FLOAT
#elif defined(A_SIGNED)
#define B_SIGNED
#elif defined(A_UNSIGNED)
#define B_UNSIGNED
#elif defined(A_BOOL)
#define B_BOOL
#endif
#endif

// Dispatches wider than the 65535-group limit spread over y (as precision.glsl's).
#define INVOCATION_INDEX int(gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x + gl_GlobalInvocationID.x)

float nan_value() { return uintBitsToFloat(0x7fc00000u); }

// NumPy's maximum / minimum (ONNX Max, Min, Clip): NaN in either operand gives NaN, and of two
// equal values (+0 and -0) the second. GLSL's max / min leave NaN open (lavapipe returns the other).
a_c maximum(const a_c x, const a_c y) {
#ifdef A_FLOAT
    return (x > y || is_nan(x)) ? x : y;
#else
    return x > y ? x : y;
#endif
}

a_c minimum(const a_c x, const a_c y) {
#ifdef A_FLOAT
    return (x < y || is_nan(x)) ? x : y;
#else
    return x < y ? x : y;
#endif
}
