// Cast (and CastLike): y = x converted from role A (the source) to role B (the target), ONNX's rules
// (elementwise.h for the roles):
//   float -> integer   truncated toward zero; out of range and NaN, which ONNX leaves to the
//                      implementation (NumPy's result differs between x86 and ARM), saturate and
//                      give 0 for NaN (OpenCL's convert_<type>_sat_rtz)
//   integer -> integer wraps (two's complement), as NumPy and C
//   -> float           rounded to nearest even (double -> half directly, no double rounding)
//   -> bool            x != 0 (NaN is true); bool -> anything: 0 or 1
// Two tensors stored alike (float32 -> float16 at the fp16 levels, where both are half) copy.
#include "elementwise.h"

inline void cast_one(__global const a_t *x, const int i, __global b_t *y, const int j) {
    const a_c v = LOAD_A(x, i);
#if defined(B_BOOL)
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
__kernel void cast(__global const a_t *x, const int x_off, __global b_t *y, const int y_off, const int n) {
    const int i = get_global_id(0) * VEC, end = min(i + VEC, n);
    for (int j = i; j < end; ++j) cast_one(x, x_off + j, y, y_off + j);
}
#endif
