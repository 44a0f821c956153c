// The narrow ONNX element types, held in buffers as their raw bits (one element per uchar, bfloat16
// per ushort; 4- and 2-bit types one element per byte, as the host arrays of ml_dtypes hold them):
// decode_<F>(bits) -> float (int for the integer types), encode_<F>(float) -> bits.
//   BF16      bfloat16                       1.8.7, IEEE infinities and NaN
//   E4M3FN    float8e4m3fn                   1.4.3, bias 7, no infinity, NaN S.1111.111, max 448
//   E4M3FNUZ  float8e4m3fnuz                 1.4.3, bias 8, no -0, NaN 0x80, max 240
//   E5M2      float8e5m2                     1.5.2, bias 15, IEEE infinities and NaN, max 57344
//   E5M2FNUZ  float8e5m2fnuz                 1.5.2, bias 16, no -0, NaN 0x80, max 57344
//   E2M1      float4e2m1                     1.2.1, bias 1, no infinity nor NaN, max 6
//   E2M3      float6e2m3                     1.2.3, bias 1, no infinity nor NaN, max 7.5
//   E3M2      float6e3m2                     1.3.2, bias 3, no infinity nor NaN, max 28
//   E8M0      float8e8m0                     2^(bits - 127), 0xFF NaN
//   I4 U4 I2 U2  int4, uint4, int2, uint2    two's complement in the low bits
// Encoding rounds to nearest even (E8M0: its round mode). Past the largest finite value (infinities
// included) the float8 formats saturate to it with -DSATURATE=1 (ONNX's default), else become
// infinity (E5M2) or NaN; bfloat16 becomes infinity; float4 and float6 always saturate. NaN becomes
// the format's NaN with its sign (FNUZ: 0x80); float4 and float6 have none and give what onnx's
// reference (ml_dtypes) gives: the sign bit alone for +NaN, 0 for -NaN. The integers keep the low bits of the value
// truncated toward zero, as onnx's reference does (out of range is undefined in ONNX).
#ifndef SATURATE
#define SATURATE 1
#endif
#ifndef E8M0_ROUND
#define E8M0_ROUND 0                    // 0 up, 1 down, 2 nearest (ONNX round_mode)
#endif

// A float with E exponent bits (bias B), M mantissa bits and a sign bit on top: `top` the largest
// finite magnitude code, `nan` the NaN code (without sign), `inf` the code past the largest finite
// value when not saturating (without sign; 0: the format always saturates), `uz` 1 for the FNUZ
// formats (no -0; 0x80 is NaN and the code of every overflow that does not saturate).
inline uint encode_mini(const float f, const int E, const int M, const int B, const uint top,
                        const uint nan, const uint inf, const int uz, const int saturate) {
    const uint bits = as_uint(f), sign = (bits >> 31) << (E + M), field = (bits >> 23) & 0xFF;
    if (field == 0xFF && (bits & 0x7FFFFF)) return uz ? 0x80u : sign | nan;
    // |f| = mant x 2^(field - 150) (float subnormals: field 0 counts as 1 without the implicit bit);
    // q: |f| in units of the target's last mantissa bit at its exponent e (subnormal below 1)
    const uint mant = field ? (bits & 0x7FFFFF) | 0x800000 : bits & 0x7FFFFF;
    const int e = (int)(field ? field : 1) - 127 + B;
    const int shift = min(23 - M + max(1 - e, 0), 31);
    uint q = mant >> shift;
    const uint rest = mant & ((1u << shift) - 1u), tie = 1u << (shift - 1);
    q += (rest > tie || (rest == tie && (q & 1u))) ? 1u : 0u;
    const uint code = e > 0 ? ((uint)(e - 1) << M) + q : q;  // a mantissa carry is the next exponent
    if (code > top) return (saturate || !inf) ? sign | top : (uz ? 0x80u : sign | inf);  // infinities too
    return (uz && code == 0) ? 0u : sign | code;
}

// Finite codes to float; their subnormals are normal floats.
inline float decode_mini(const uint c, const int E, const int M, const int B) {
    const uint mag = c & ((1u << (E + M)) - 1u), field = mag >> M, man = mag & ((1u << M) - 1u);
    const float v = field ? as_float(((field + 127u - (uint)B) << 23) | (man << (23 - M)))
                          : (float)man * as_float((uint)(127 + 1 - B - M) << 23);
    return (c >> (E + M)) & 1u ? -v : v;
}

inline float signed_nan(const uint negative) { return as_float(0x7FC00000u | (negative << 31)); }

inline ushort encode_BF16(const float f) {
    const uint bits = as_uint(f), rest = bits & 0xFFFFu;
    if (isnan(f)) return (ushort)(((bits >> 16) & 0x8000u) | 0x7FC0u);
    const uint up = rest > 0x8000u || (rest == 0x8000u && (bits & 0x10000u));
    return (ushort)((bits >> 16) + up);                     // overflow carries into infinity
}
inline float decode_BF16(const ushort c) { return as_float((uint)c << 16); }

inline uchar encode_E4M3FN(const float f) { return encode_mini(f, 4, 3, 7, 0x7E, 0x7F, 0x7F, 0, SATURATE); }
inline float decode_E4M3FN(const uchar c) { return (c & 0x7F) == 0x7F ? signed_nan(c >> 7) : decode_mini(c, 4, 3, 7); }

inline uchar encode_E4M3FNUZ(const float f) { return encode_mini(f, 4, 3, 8, 0x7F, 0, 0x80, 1, SATURATE); }
inline float decode_E4M3FNUZ(const uchar c) { return c == 0x80 ? NAN : decode_mini(c, 4, 3, 8); }

inline uchar encode_E5M2(const float f) { return encode_mini(f, 5, 2, 15, 0x7B, 0x7E, 0x7C, 0, SATURATE); }
inline float decode_E5M2(const uchar c) {
    if ((c & 0x7C) != 0x7C) return decode_mini(c, 5, 2, 15);
    return (c & 3) ? signed_nan(c >> 7) : ((c >> 7) ? -INFINITY : INFINITY);
}

inline uchar encode_E5M2FNUZ(const float f) { return encode_mini(f, 5, 2, 16, 0x7F, 0, 0x80, 1, SATURATE); }
inline float decode_E5M2FNUZ(const uchar c) { return c == 0x80 ? NAN : decode_mini(c, 5, 2, 16); }

// float4 and float6: E + M bits below the sign, no infinity nor NaN, always saturating
inline uchar encode_plain(const float f, const int E, const int M, const int B) {
    if (isnan(f)) return as_uint(f) >> 31 ? 0 : 1u << (E + M);
    return encode_mini(f, E, M, B, (1u << (E + M)) - 1u, 0, 0, 0, 1);
}
inline uchar encode_E2M1(const float f) { return encode_plain(f, 2, 1, 1); }
inline float decode_E2M1(const uchar c) { return decode_mini(c & 0xF, 2, 1, 1); }
inline uchar encode_E2M3(const float f) { return encode_plain(f, 2, 3, 1); }
inline float decode_E2M3(const uchar c) { return decode_mini(c & 0x3F, 2, 3, 1); }
inline uchar encode_E3M2(const float f) { return encode_plain(f, 3, 2, 3); }
inline float decode_E3M2(const uchar c) { return decode_mini(c & 0x3F, 3, 2, 3); }

inline uchar encode_E8M0(const float f) {
    const uint bits = as_uint(f), field = (bits >> 23) & 0xFF, mant = bits & 0x7FFFFF;
    if (field == 0xFF) return 0xFF;                         // NaN and the infinities
#if E8M0_ROUND == 0
    const uint up = mant != 0;
#elif E8M0_ROUND == 2                                       // ties up, but 2^-127 (field 0) is exact
    const uint up = (mant & 0x400000u) && ((mant & 0x3FFFFFu) || field > 0);
#else
    const uint up = 0;
#endif
    return (uchar)((SATURATE && field == 0xFE) ? field : field + up);
}
inline float decode_E8M0(const uchar c) { return c == 0xFF ? NAN : as_float(c ? (uint)c << 23 : 0x400000u); }

inline int decode_I4(const uchar c) { return ((int)((uint)c << 28)) >> 28; }
inline int decode_U4(const uchar c) { return c & 0xF; }
inline int decode_I2(const uchar c) { return ((int)((uint)c << 30)) >> 30; }
inline int decode_U2(const uchar c) { return c & 0x3; }
inline uchar encode_I4(const long v) { return (uchar)(v & 0xF); }
inline uchar encode_U4(const long v) { return (uchar)(v & 0xF); }
inline uchar encode_I2(const long v) { return (uchar)(v & 0x3); }
inline uchar encode_U2(const long v) { return (uchar)(v & 0x3); }
