// Cast (and CastLike): y = x converted from role A (the source) to role B (the target), ONNX's rules
// (elementwise.h for the roles):
//   float -> integer   truncated toward zero; out of range and NaN, which ONNX leaves to the
//                      implementation (NumPy's result differs between x86 and ARM), saturate and
//                      give 0 for NaN (OpenCL's convert_<type>_sat_rtz)
//   integer -> integer wraps (two's complement), as NumPy and C
//   -> float           rounded to nearest even (double -> half directly, no double rounding)
//   -> bool            x != 0 (NaN is true); bool -> anything: 0 or 1
//   -> bfloat16, float8, float4
//                      through float (rounded to nearest even), then small_types.h's encoding, as
//                      onnx's reference (ml_dtypes) does; -DSATURATE=0 for saturate=0
//   -> int4, uint4, int2, uint2
//                      the low bits of the value (floats truncated toward zero first)
// Two tensors stored alike (float32 -> float16 at the fp16 levels, where both are half) copy.
//
// A role of a narrow type (small_types.h) is -D<R>_SMALL=<format> -D<R>_BITS=uchar|ushort (its
// buffer's element) with the role options of its arithmetic type: float, or int for the integers.
#include "elementwise.h"
#include "small_types.h"

#ifdef A_SMALL
typedef A_BITS x_t;
#define LOAD_X(p, i) CAT(decode_, A_SMALL)((p)[i])
#else
typedef a_t x_t;
#define LOAD_X LOAD_A
#endif
#ifdef B_SMALL
typedef B_BITS y_t;
#define ENCODE_Y CAT(encode_, B_SMALL)
#else
typedef b_t y_t;
#endif

inline void cast_one(__global const x_t *x, const int i, __global y_t *y, const int j) {
    const a_c v = LOAD_X(x, i);
#if defined(B_SMALL) && defined(B_FLOAT)
    y[j] = ENCODE_Y((float)v);
#elif defined(B_SMALL) && defined(A_FLOAT)
    y[j] = ENCODE_Y(convert_long_sat_rtz(v));
#elif defined(B_SMALL)
    y[j] = ENCODE_Y((long)v);
#elif defined(B_BOOL)
    STORE_B((b_c)(v != 0), j, y);
#elif defined(B_HALF) && !defined(A_FLOAT)
    STORE_B((float)v, j, y);
#elif defined(B_FLOAT) || !defined(A_FLOAT)
    STORE_B(v, j, y);                   // C's conversion: to float rte, integer -> integer modulo
#else
    STORE_B(CAT3(convert_, B_T, _sat_rtz)(v), j, y);
#endif
}

#ifdef FORM_CAST
__kernel void cast(__global const x_t *x, const int x_off, __global y_t *y, const int y_off, const int n) {
    const int i = get_global_id(0) * VEC, end = min(i + VEC, n);
    for (int j = i; j < end; ++j) cast_one(x, x_off + j, y, y_off + j);
}
#endif
