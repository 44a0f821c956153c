// What the reducing kernels share (reduce.cl, softmax.cl, norm.cl, pool.cl): the element type of
// the data, NaN-propagating max / min, vector reads along a row or across columns, and
// work-group reductions through local memory.
//
// Float tensors (store_t, per the precision level) are read and computed in float: every sum,
// mean and variance accumulates in float at every level. -DELEM=<type> makes the data an exact
// integer or bool type instead (char, uchar, short, ushort, int, uint, long, ulong), read and
// combined in that type, one element at a time; -DELEM_LOWEST / -DELEM_HIGHEST give its limits
// (bool: 0 and 1).
//
// Three layouts of a reduction, one kernel each per family (the host picks, ops/reduce.py):
//   rows   one work-item per output, reading its contiguous row 8 elements at a time
//   cols   one work-item per COLS neighbouring outputs whose rows interleave (the reduced axis is
//          not the innermost one): it reads COLS-wide vectors, one per step along the reduction
//   group  one work-group per output, its work-items splitting the row (for devices with many
//          lanes and few outputs); partial results combined in local memory
//
//   mem_t                       the element type in buffers
//   val_t                       the type values are combined in (float, or the integer type)
//   LOADV(p, i) / STOREV(v, i, p)
//   VAL_LOWEST / VAL_HIGHEST    the identities of max and min (-inf / +inf for floats)
//   max_f / min_f               max / min of floats or float vectors, NaN winning (NumPy's rule)
//   max_val / min_val           the same for val_t
//   FOR_ROW(p, n, VEC, ONE)     over p[0, n): VEC with `v` (float8) per 8 elements, then ONE with
//                               `s` (val_t) per element left over (integers: ONE only); `i_` is
//                               the index of v's first element or of s
//   COLS, colv_t, LOAD_COLS, STORE_COLS   the cols layout's vectors (width 1 for integers)
#include "precision.h"

#define max_f(a, b) select((b), (a), ((a) > (b)) | isnan(a))
#define min_f(a, b) select((b), (a), ((a) < (b)) | isnan(a))

#ifdef ELEM
typedef ELEM mem_t;
typedef ELEM val_t;
#define LOADV(p, i) ((p)[i])
#define STOREV(v, i, p) ((p)[i] = (v))
#define VAL_LOWEST ((val_t)(ELEM_LOWEST))
#define VAL_HIGHEST ((val_t)(ELEM_HIGHEST))
#define max_val(a, b) max((a), (b))
#define min_val(a, b) min((a), (b))
#define FOR_ROW(p, n, VEC, ONE)                                                      \
    for (int i_ = 0; i_ < (n); ++i_) {                                               \
        const val_t s = LOADV(p, i_);                                                \
        ONE                                                                          \
    }
#define COLS 1
typedef val_t colv_t;
#define LOAD_COLS(p, i) LOADV(p, i)
#define STORE_COLS(v, i, p) STOREV(v, i, p)
#else
typedef store_t mem_t;
typedef float val_t;
#define VAL_LOWEST (-INFINITY)
#define VAL_HIGHEST INFINITY
#define max_val max_f
#define min_val min_f
#define COLS 8
typedef float8 colv_t;
#if defined(COMPUTE_HALF)
#define LOADV(p, i) ((float)(p)[i])
#define STOREV(v, i, p) ((p)[i] = (half)(v))
#define LOADF8(p, i) convert_float8(vload8(0, (p) + (i)))
#define STOREF8(v, i, p) vstore8(convert_half8(v), 0, (p) + (i))
#define LOAD_COLS(p, i) convert_float8(vload8(0, (p) + (i)))
#define STORE_COLS(v, i, p) vstore8(convert_half8(v), 0, (p) + (i))
#elif defined(STORAGE_HALF)
#define LOADV(p, i) vload_half((i), (p))
#define STOREV(v, i, p) vstore_half_rte((v), (i), (p))
#define LOADF8(p, i) vload_half8(0, (p) + (i))
#define STOREF8(v, i, p) vstore_half8_rte((v), 0, (p) + (i))
#define LOAD_COLS(p, i) vload_half8(0, (p) + (i))
#define STORE_COLS(v, i, p) vstore_half8_rte((v), 0, (p) + (i))
#else
#define LOADV(p, i) ((p)[i])
#define STOREV(v, i, p) ((p)[i] = (v))
#define LOADF8(p, i) vload8(0, (p) + (i))
#define STOREF8(v, i, p) vstore8((v), 0, (p) + (i))
#define LOAD_COLS(p, i) vload8(0, (p) + (i))
#define STORE_COLS(v, i, p) vstore8((v), 0, (p) + (i))
#endif
#define FOR_ROW(p, n, VEC, ONE)                                                      \
    {                                                                                \
        int i_ = 0;                                                                  \
        for (; i_ + 8 <= (n); i_ += 8) {                                             \
            const float8 v = LOADF8(p, i_);                                          \
            VEC                                                                      \
        }                                                                            \
        for (; i_ < (n); ++i_) {                                                     \
            const float s = LOADV(p, i_);                                            \
            ONE                                                                      \
        }                                                                            \
    }
#endif

// The lanes of a float8 combined into one float.
inline float sum8(const float8 v) {
    const float4 h = v.lo + v.hi;
    return (h.x + h.y) + (h.z + h.w);
}
inline float max8(const float8 v) {
    const float4 h = max_f(v.lo, v.hi);
    return max_f(max_f(h.x, h.y), max_f(h.z, h.w));
}

// The largest work-group the group kernels run with (a power of two; the host never asks more).
#define MAX_GROUP 256

// Work-group reductions of one value per work-item: every work-item gets the result. The
// group's size must be a power of two; `tmp` holds MAX_GROUP values in local memory.
#define DEFINE_GROUP_REDUCE(name, T, COMBINE)                                       \
    inline T name(T v, __local T *tmp) {                                            \
        const int lid = get_local_id(0);                                            \
        tmp[lid] = v;                                                               \
        barrier(CLK_LOCAL_MEM_FENCE);                                               \
        for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {                       \
            if (lid < s) tmp[lid] = COMBINE(tmp[lid], tmp[lid + s]);                \
            barrier(CLK_LOCAL_MEM_FENCE);                                           \
        }                                                                           \
        const T r = tmp[0];                                                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                               \
        return r;                                                                   \
    }

#define ADD_FLOATS(a, b) ((a) + (b))
DEFINE_GROUP_REDUCE(group_sum, float, ADD_FLOATS)
DEFINE_GROUP_REDUCE(group_max, float, max_f)
