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

// The work-group size is specialization constant 0, set by the runtime when it builds the
// pipeline (gpu_infer/backends/vulkan/runtime.py, part of the pipeline's cache key).
#define LOCAL_SIZE_LAYOUT layout(local_size_x_id = 0) in
// Dispatches wider than the 65535-group limit spread over y.
#define INVOCATION_INDEX int(gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x + gl_GlobalInvocationID.x)
