// Float reads through uniform texel buffers (variants built with TEXEL_READS) or storage buffers,
// behind one set of macros so a shader's source is the same for both (vulkan/texel.py: lavapipe
// gathers texel fetches as vectors but loads storage-buffer elements lane by lane; the host binds
// the storage-buffer variant where a tensor cannot be a texel view). Needs precision.glsl first.
//
//   READ_BUFFER(b, name)    binding b, read one element at a time: FETCH(name, i) -> float
//   READ_BUFFER4(b, name)   binding b, read four elements at a time: FETCH4(name, i) -> vec4
//                           (element 4i .. 4i+3; the binding's offset is 16-byte aligned)
#ifdef TEXEL_READS
#define READ_BUFFER(b, name) layout(binding = b) uniform samplerBuffer name
#define READ_BUFFER4(b, name) layout(binding = b) uniform samplerBuffer name
#define FETCH(name, i) texelFetch(name, int(i)).x
#define FETCH4(name, i) texelFetch(name, int(i))
#else
#if defined(COMPUTE_HALF) || defined(STORAGE_HALF)
#define TEXEL_STORE4_T f16vec4
#else
#define TEXEL_STORE4_T vec4
#endif
#define READ_BUFFER(b, name) layout(std430, binding = b) readonly buffer name##_block { store_t name[]; }
#define READ_BUFFER4(b, name) layout(std430, binding = b) readonly buffer name##_block { TEXEL_STORE4_T name[]; }
#define FETCH(name, i) float(name[i])
#define FETCH4(name, i) vec4(name[i])
#endif
