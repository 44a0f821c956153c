// The narrow ONNX element types, held in buffers as their raw bits (one element per byte, bfloat16
// per 16 bits), bit for bit as cl_kernels/small_types.h (its header gives each format's rules):
// decode_float / decode_int (bits -> value), encode_float (float -> bits) and int_bits (the low
// bits of an integer). A format is a code (gpu_infer/backends/narrow_types.py's order), meant to be
// a specialization constant the compiler folds; saturate and round_mode are arguments likewise.
#define FMT_BF16 0
#define FMT_E4M3FN 1
#define FMT_E4M3FNUZ 2
#define FMT_E5M2 3
#define FMT_E5M2FNUZ 4
#define FMT_E2M1 5
#define FMT_E2M3 6
#define FMT_E3M2 7
#define FMT_E8M0 8
#define FMT_I4 9
#define FMT_U4 10
#define FMT_I2 11
#define FMT_U2 12

bool float_format(const int format) { return format <= FMT_E8M0; }
uint int_mask(const int format) { return format <= FMT_U4 ? 0xFu : 0x3u; }

// A float with E exponent bits (bias B), M mantissa bits and a sign bit on top: `top` the largest
// finite magnitude code, `nan` the NaN code (without sign), `inf` the code past the largest finite
// value when not saturating (0: the format always saturates), `uz` for the FNUZ formats (no -0;
// 0x80 is NaN and the code of every overflow that does not saturate). Rounds to nearest even.
uint encode_mini(const float f, const int E, const int M, const int B, const uint top, const uint nan,
                 const uint inf, const bool uz, const bool saturate) {
    const uint bits = floatBitsToUint(f), sign = (bits >> 31) << (E + M), field = (bits >> 23) & 0xFFu;
    if (field == 0xFFu && (bits & 0x7FFFFFu) != 0u) return uz ? 0x80u : sign | nan;
    // |f| = mant x 2^(field - 150) (float subnormals: field 0 counts as 1 without the implicit bit);
    // q: |f| in units of the target's last mantissa bit at its exponent e (subnormal below 1)
    const uint mant = field != 0u ? (bits & 0x7FFFFFu) | 0x800000u : bits & 0x7FFFFFu;
    const int e = int(max(field, 1u)) - 127 + B;
    const int shift = min(23 - M + max(1 - e, 0), 31);
    uint q = mant >> shift;
    const uint rest = mant & ((1u << shift) - 1u), tie = 1u << (shift - 1);
    q += (rest > tie || (rest == tie && (q & 1u) != 0u)) ? 1u : 0u;
    const uint code = e > 0 ? (uint(e - 1) << M) + q : q;  // a mantissa carry is the next exponent
    if (code > top) return (saturate || inf == 0u) ? sign | top : (uz ? 0x80u : sign | inf);  // infinities too
    return (uz && code == 0u) ? 0u : sign | code;
}

// Finite codes to float; their subnormals are normal floats.
float decode_mini(const uint c, const int E, const int M, const int B) {
    const uint mag = c & ((1u << (E + M)) - 1u), field = mag >> M, man = mag & ((1u << M) - 1u);
    const float v = field != 0u ? uintBitsToFloat(((field + 127u - uint(B)) << 23) | (man << (23 - M)))
                                : float(man) * uintBitsToFloat(uint(127 + 1 - B - M) << 23);
    return ((c >> (E + M)) & 1u) != 0u ? -v : v;
}

float signed_nan(const uint negative) { return uintBitsToFloat(0x7FC00000u | (negative << 31)); }

uint encode_bf16(const float f) {
    const uint bits = floatBitsToUint(f), rest = bits & 0xFFFFu;
    if (is_nan(f)) return ((bits >> 16) & 0x8000u) | 0x7FC0u;
    const uint up = (rest > 0x8000u || (rest == 0x8000u && (bits & 0x10000u) != 0u)) ? 1u : 0u;
    return (bits >> 16) + up;                               // overflow carries into infinity
}

// float4 and float6: E + M bits below the sign, no infinity nor NaN, always saturating; NaN gives
// what ml_dtypes gives: the sign bit alone for +NaN, 0 for -NaN
uint encode_plain(const float f, const int E, const int M, const int B) {
    if (is_nan(f)) return sign_bit(f) ? 0u : 1u << (E + M);
    return encode_mini(f, E, M, B, (1u << (E + M)) - 1u, 0u, 0u, false, true);
}

// round: 0 up, 1 down, 2 nearest (ONNX round_mode)
uint encode_e8m0(const float f, const bool saturate, const int round) {
    const uint bits = floatBitsToUint(f), field = (bits >> 23) & 0xFFu, mant = bits & 0x7FFFFFu;
    if (field == 0xFFu) return 0xFFu;                       // NaN and the infinities
    const bool up = round == 0 ? mant != 0u                 // nearest: ties up, but 2^-127 (field 0) is exact
                  : round == 2 && (mant & 0x400000u) != 0u && ((mant & 0x3FFFFFu) != 0u || field > 0u);
    return (saturate && field == 0xFEu) ? field : field + (up ? 1u : 0u);
}

uint encode_float(const int format, const float f, const bool saturate, const int round) {
    switch (format) {
    case FMT_BF16: return encode_bf16(f);
    case FMT_E4M3FN: return encode_mini(f, 4, 3, 7, 0x7Eu, 0x7Fu, 0x7Fu, false, saturate);
    case FMT_E4M3FNUZ: return encode_mini(f, 4, 3, 8, 0x7Fu, 0u, 0x80u, true, saturate);
    case FMT_E5M2: return encode_mini(f, 5, 2, 15, 0x7Bu, 0x7Eu, 0x7Cu, false, saturate);
    case FMT_E5M2FNUZ: return encode_mini(f, 5, 2, 16, 0x7Fu, 0u, 0x80u, true, saturate);
    case FMT_E2M1: return encode_plain(f, 2, 1, 1);
    case FMT_E2M3: return encode_plain(f, 2, 3, 1);
    case FMT_E3M2: return encode_plain(f, 3, 2, 3);
    default: return encode_e8m0(f, saturate, round);
    }
}

float decode_float(const int format, const uint c) {
    switch (format) {
    case FMT_BF16: return uintBitsToFloat(c << 16);
    case FMT_E4M3FN: return (c & 0x7Fu) == 0x7Fu ? signed_nan(c >> 7) : decode_mini(c, 4, 3, 7);
    case FMT_E4M3FNUZ: return c == 0x80u ? nan_value() : decode_mini(c, 4, 3, 8);
    case FMT_E5M2:
        if ((c & 0x7Cu) != 0x7Cu) return decode_mini(c, 5, 2, 15);
        return (c & 3u) != 0u ? signed_nan(c >> 7) : uintBitsToFloat(0x7F800000u | ((c >> 7) << 31));
    case FMT_E5M2FNUZ: return c == 0x80u ? nan_value() : decode_mini(c, 5, 2, 16);
    case FMT_E2M1: return decode_mini(c & 0xFu, 2, 1, 1);
    case FMT_E2M3: return decode_mini(c & 0x3Fu, 2, 3, 1);
    case FMT_E3M2: return decode_mini(c & 0x3Fu, 3, 2, 3);
    default: return c == 0xFFu ? nan_value() : uintBitsToFloat(c != 0u ? c << 23 : 0x400000u);
    }
}

// int4 and int2 sign-extended, uint4 and uint2 as they are
int decode_int(const int format, const uint c) {
    const int width = format <= FMT_U4 ? 4 : 2;
    return (format == FMT_I4 || format == FMT_I2) ? int(c << (32 - width)) >> (32 - width) : int(c & int_mask(format));
}

uint int_bits(const int format, const int v) { return uint(v) & int_mask(format); }

// The low bits of a float truncated toward zero, past the int64 range saturated (as OpenCL's
// convert_long_sat_rtz), NaN 0; exact: `t` is an integer, and t - 16 floor(t / 16) its residue.
uint float_bits(const int format, const float v) {
    if (is_nan(v) || v <= -9223372036854775808.0) return 0u;
    if (v >= 9223372036854775808.0) return int_mask(format);
    const float t = trunc(v);
    return uint(t - 16.0 * floor(t / 16.0)) & int_mask(format);
}
