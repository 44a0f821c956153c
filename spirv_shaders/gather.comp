#version 450
// Gather with indices read on the device, as cl_kernels/gather.cl (gpu_infer/backends/gather_exec.py):
// the data viewed as (outer, n, inner), the output as (outer, count, inner); invocation o copies
//   out[o] = data[(a * n + wrap(indices[j])) * inner + c],  o = (a * count + j) * inner + c
// Negative indices count from the end. An index outside [-n, n) writes zero bits and lowers
// `error_pos` to j (atomicMin); the host sets it to 0xFFFFFFFF before each run and reads it after.
//
// Variants (spirv_shaders/compile.py builds each one):
//   ELEM_BYTES=1|2|4|8   the data's element size, a bit copy: uint8_t (8-bit storage),
//                        uint16_t (16-bit storage), uint, uvec2
//   INDEX_INT64          int64 indices as uvec2 (low word, high word): no shaderInt64 needed;
//                        a value is in int range when the high word is the low word's sign
//   (default)            int32 indices
// Bindings: 0 data, 1 indices, 2 output, 3 error word. Push constants: the Params block (16 bytes).
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"

#if ELEM_BYTES == 1
#extension GL_EXT_shader_8bit_storage : require
#define ELEM_T uint8_t
#define ZERO uint8_t(0)
#elif ELEM_BYTES == 2
#extension GL_EXT_shader_16bit_storage : require
#define ELEM_T uint16_t
#define ZERO uint16_t(0)
#elif ELEM_BYTES == 4
#define ELEM_T uint
#define ZERO 0u
#elif ELEM_BYTES == 8
#define ELEM_T uvec2
#define ZERO uvec2(0u)
#else
#error "define ELEM_BYTES=1|2|4|8"
#endif

#ifdef INDEX_INT64
#define INDEX_T uvec2
#else
#define INDEX_T int
#endif

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer Data { ELEM_T data[]; };
layout(std430, binding = 1) readonly buffer Indices { INDEX_T indices[]; };
layout(std430, binding = 2) writeonly buffer Out { ELEM_T out_[]; };
layout(std430, binding = 3) buffer Error { uint error_pos; };
layout(push_constant) uniform Params {
    int n;
    int inner;
    int count;
    int total;
} p;

void main() {
    const int o = INVOCATION_INDEX;
    if (o >= p.total) return;
    const int c = o % p.inner;
    const int t = o / p.inner;
    const int j = t % p.count;
    const int a = t / p.count;
#ifdef INDEX_INT64
    const uvec2 w = indices[j];
    int k = int(w.x);
    bool ok = w.y == uint(k >> 31);          // the 64-bit value fits in an int
#else
    int k = indices[j];
    bool ok = true;
#endif
    if (k < 0) k += p.n;
    if (!ok || k < 0 || k >= p.n) {
        atomicMin(error_pos, uint(j));
        out_[o] = ZERO;
        return;
    }
    out_[o] = data[(a * p.n + k) * p.inner + c];
}
