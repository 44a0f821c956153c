// What the reducing shaders share (reduce, softmax, norm, pool, resize, lrn), as cl_kernels/
// reduction.h does on OpenCL: the element type of the data, NaN-propagating max / min, the
// work-group reductions of the "group" layout, IEEE log.
//
// The data is role A (types.glsl, spirv_shaders/compile.py's role()): float32 ("f32") or half
// storage ("f16s": both fp16 levels) is read and computed in float, so every sum, mean and
// variance accumulates in float at every precision level; an integer or bool type (reduce,
// MaxPool, nearest Resize) is read and combined in its arithmetic type, and a sum or product
// stored back wraps around as NumPy's does.
//   mem_t                       the element type in buffers
//   val_t                       the type values are combined in
//   LOADV(buf, i) / STOREV(buf, i, v)
//   VAL_LOWEST / VAL_HIGHEST    the identities of max and min (-inf / +inf for floats)
//   max_val / min_val           max / min, a NaN winning (NumPy's rule; decided on the bits, as
//                               a Vulkan compiler may assume there is no NaN)
//   READ_DATA(b, name)          binding b, read one element at a time: LOAD(name, i) -> val_t.
//                               Float data goes through texel.glsl: a uniform texel buffer in
//                               the .tx variants (lavapipe gathers texel fetches as vectors, but
//                               loads storage-buffer elements lane by lane), a storage buffer
//                               otherwise; other types always through a storage buffer
//   READ_DATA4(b, name)         (float data) binding b, read four elements at a time:
//                               LOAD4(name, i) -> vec4 of elements 4i .. 4i+3
//   FOR_ROW(one, four, row, n, lid, step, BODY)   (float data) BODY once per element `v`
//                               (at `row + e`) of the n contiguous elements from `row` this
//                               invocation takes (lane lid of step sharing them): whole aligned
//                               quads as vec4 fetches from `four`, the elements before and after
//                               them from `one`
//   GROUP_INDEX                 the work-group's index in a 2-D grid of groups
//   DEFINE_GROUP_REDUCE(name, T, COMBINE)   T name(T v): the work-group's values combined, every
//                               invocation gets the result (the group size a power of two,
//                               at most MAX_GROUP)
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"

#define mem_t A_T
#define LOADV(buf, i) val_t((buf)[i])
#ifdef A_FLOAT
#include "texel.glsl"
#define READ_DATA(b, name) READ_BUFFER(b, name)
#define READ_DATA4(b, name) READ_BUFFER4(b, name)
#define LOAD(name, i) FETCH(name, i)
#define LOAD4(name, i) FETCH4(name, i)
#else
#define READ_DATA(b, name) layout(std430, binding = b) readonly buffer name##_block { mem_t name[]; }
#define LOAD(name, i) LOADV(name, i)
#endif
#define STOREV(buf, i, v) ((buf)[i] = A_T(v))

#define F32_INF uintBitsToFloat(0x7f800000u)
#define F32_NAN uintBitsToFloat(0x7fc00000u)

bool is_finite(const float v) { return (floatBitsToUint(v) & 0x7fffffffu) < 0x7f800000u; }

// log with IEEE's special cases (GLSL leaves log(x <= 0) undefined); a denormal scaled by 2^24
// first (lavapipe's log is inexact there)
float log_ieee(const float v) {
    if (is_nan(v) || v < 0.0) return F32_NAN;
    if (v == 0.0) return -F32_INF;
    if (v < 1.17549435e-38) return log(v * 16777216.0) - 16.6355323334;
    return is_finite(v) ? log(v) : v;
}

float max_f(const float a, const float b) { return (a > b || is_nan(a)) ? a : b; }
float min_f(const float a, const float b) { return (a < b || is_nan(a)) ? a : b; }

#ifdef A_FLOAT
#define val_t float
#define VAL_LOWEST (-F32_INF)
#define VAL_HIGHEST F32_INF
#define max_val max_f
#define min_val min_f
#else
#define val_t A_C
#ifdef A_BOOL
#define VAL_LOWEST 0u
#define VAL_HIGHEST 1u
#else
#define VAL_LOWEST A_MIN
#define VAL_HIGHEST A_MAX
#endif
#define max_val max
#define min_val min
#endif

#define MAX_GROUP 256
#define GROUP_INDEX int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x)

#define DEFINE_GROUP_REDUCE(name, T, COMBINE)                                        \
    shared T name##_tmp[MAX_GROUP];                                                  \
    T name(T v) {                                                                    \
        const uint lid = gl_LocalInvocationID.x;                                     \
        name##_tmp[lid] = v;                                                         \
        barrier();                                                                   \
        for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {                    \
            if (lid < s) name##_tmp[lid] = COMBINE(name##_tmp[lid], name##_tmp[lid + s]); \
            barrier();                                                               \
        }                                                                            \
        const T r = name##_tmp[0];                                                   \
        barrier();                                                                   \
        return r;                                                                    \
    }

#define ADD(a, b) ((a) + (b))

#define FOR_ROW(one, four, row, n, lid, step, BODY)                                  \
    {                                                                                \
        const int head_ = min((4 - ((row) & 3)) & 3, (n));                           \
        const int quads_ = ((n) - head_) >> 2, first_quad_ = ((row) + head_) >> 2;   \
        for (int e = (lid); e < head_; e += (step)) {                                \
            const float v = LOAD(one, (row) + e);                                    \
            BODY                                                                     \
        }                                                                            \
        for (int i_ = (lid); i_ < quads_; i_ += (step)) {                            \
            const vec4 q_ = LOAD4(four, first_quad_ + i_);                           \
            [[unroll]] for (int c_ = 0; c_ < 4; ++c_) {                              \
                const int e = head_ + 4 * i_ + c_;                                   \
                const float v = q_[c_];                                              \
                BODY                                                                 \
            }                                                                        \
        }                                                                            \
        for (int e = head_ + 4 * quads_ + (lid); e < (n); e += (step)) {             \
            const float v = LOAD(one, (row) + e);                                    \
            BODY                                                                     \
        }                                                                            \
    }
