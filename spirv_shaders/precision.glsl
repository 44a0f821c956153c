// Storage and arithmetic types per precision level, chosen by a define:
//   (none)          float buffers, float arithmetic
//   STORAGE_HALF    float16_t buffers (VK_KHR_16bit_storage), float arithmetic
//   COMPUTE_HALF    float16_t buffers and arithmetic (shaderFloat16)
#if defined(COMPUTE_HALF)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define store_t float16_t
#define real float16_t
#elif defined(STORAGE_HALF)
#extension GL_EXT_shader_16bit_storage : require
#define store_t float16_t
#define real float
#else
#define store_t float
#define real float
#endif

#define LOCAL_SIZE 64
// Dispatches wider than the 65535-group limit spread over y.
#define INVOCATION_INDEX int(gl_GlobalInvocationID.y * gl_NumWorkGroups.x * LOCAL_SIZE + gl_GlobalInvocationID.x)
