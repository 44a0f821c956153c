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

// Reads of role A's tensors. Variants with FLOAT_READS (float32 and float16 elements, which a
// texel view holds) read through uniform texel buffers when also built with TEXEL_READS
// (vulkan/texel.py: lavapipe gathers texel fetches as vectors but loads storage-buffer elements
// lane by lane), else through storage buffers; either way the same bindings, and READ4 bindings
// give four consecutive elements per index (a_c4), so an invocation can take four at a time.
// A_HALF_STORE: the elements are stored as float16_t. Other types: READ only, storage buffers.
//   READ(b, name)  LOAD(name, i) -> a_c        READ4(b, name)  LOAD4(name, i) -> a_c4
#ifdef FLOAT_READS
#if A_BITS == 16
#define a_c4 f16vec4
#else
#define a_c4 vec4
#endif
#ifdef A_HALF_STORE
#define a_t4 f16vec4
#else
#define a_t4 vec4
#endif
#endif
#if defined(FLOAT_READS) && defined(TEXEL_READS)
#define READ(b, name) layout(binding = b) uniform samplerBuffer name
#define READ4(b, name) layout(binding = b) uniform samplerBuffer name
#define LOAD(name, i) a_c(texelFetch(name, int(i)).x)
#define LOAD4(name, i) a_c4(texelFetch(name, int(i)))
#else
#define READ(b, name) layout(std430, binding = b) readonly buffer name##_block { a_t name[]; }
#define READ4(b, name) layout(std430, binding = b) readonly buffer name##_block { a_t4 name[]; }
#define LOAD(name, i) a_c(name[i])
#define LOAD4(name, i) a_c4(name[i])
#endif
