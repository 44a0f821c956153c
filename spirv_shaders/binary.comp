#version 450
// Broadcasting binary ops y = op(a, b): Add, Sub, Mul, Div, Pow, Max, Min, PRelu; with -DNARY_PASS, Max,
// Min, Sum and Mean of up to NARY inputs in one pass. Element types by role (elementwise.glsl): a
// and y are A; b is A too, except Pow's exponent (B). The semantics are cl_kernels/binary.cl's.
//
// Specialization constants (folded by the compiler): 3 the op (OP_*), 4 the form, chosen at resize
// by gpu_infer/backends/opencl/ops/broadcast.py's plan (no index arithmetic where the broadcast has
// a simple one); the push constants give its sizes:
//   FORM_SAME      y[i] = op(a[i], b[i])                       flat, n invocations
//   FORM_SCALAR_B  y[i] = op(a[i], b[0])   FORM_SCALAR_A  y[i] = op(a[0], b[i])
//   FORM_ROW_B     y[o, m] = op(a[o, m], b[m])                 grid (mid, outer)
//   FORM_ROW_A     y[o, m] = op(a[m], b[o, m])
//   FORM_CHANNEL_B y[o, m, r] = op(a[o, m, r], b[m])           grid (inner, mid, outer): NCHW bias, scale
//   FORM_CHANNEL_A y[o, m, r] = op(a[m], b[o, m, r])
//   FORM_GENERAL   any broadcast merged to <= 6 dims: dims, a's and b's strides (0: broadcast)
//   FORM_COPY      y[i] = a[i] (Max, Min, Sum, Mean of one input)
#extension GL_GOOGLE_include_directive : require
#include "elementwise.glsl"

#define OP_ADD 0
#define OP_SUB 1
#define OP_MUL 2
#define OP_DIV 3
#define OP_POW 4
#define OP_MAX 5
#define OP_MIN 6
#define OP_PRELU 7

#define FORM_SAME 0
#define FORM_SCALAR_B 1
#define FORM_SCALAR_A 2
#define FORM_ROW_B 3
#define FORM_ROW_A 4
#define FORM_CHANNEL_B 5
#define FORM_CHANNEL_A 6
#define FORM_GENERAL 7
#define FORM_COPY 8

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const int OP = 0;
layout(constant_id = 4) const int FORM = 0;
layout(constant_id = 5) const int VEC = 1;  // 4, 16: elements per invocation, as vectors of four (FLOAT_READS)

// Integer division truncates toward zero (C, onnxruntime). Division by zero, undefined in SPIR-V
// and in onnxruntime, gives 0 (as NumPy, the CPU backend); the most negative value by -1 wraps.
a_c divide(const a_c x, const a_c y) {
#if defined(A_FLOAT)
    return x / y;
#elif defined(A_SIGNED)
    const bool special = y == a_c(0) || y == a_c(-1);
    const a_c q = x / (special ? a_c(1) : y);
    return y == a_c(0) ? a_c(0) : (y == a_c(-1) ? a_c(0) - x : q);
#else
    return y == a_c(0) ? a_c(0) : x / (y == a_c(0) ? a_c(1) : y);
#endif
}

#if defined(A_FLOAT) && A_BITS == 64
#define f_t double
#elif defined(POW_DOUBLE) && !defined(A_FLOAT)
#define f_t double                      // an integer base with a float exponent, in double
#else
#define f_t float
#endif

#ifdef POW_DOUBLE
// exp and log in double (GLSL has neither), for a pow correctly rounded to float (lavapipe's float
// pow is exp2(y log2 x): 3e-6 relative error for large results, and 2^128 comes out finite).
double exp_d(const double x) {                      // x within [-745, 709.7]
    const double k = floor(x * 1.4426950408889634lf + 0.5lf);
    const double r = (x - k * 0.6931471803691238lf) - k * 1.9082149292705877e-10lf;     // ln 2, hi + lo
    double q = 1.0lf;                                 // e^r, |r| <= ln 2 / 2: Taylor to r^13
    for (int n = 13; n >= 1; --n) q = 1.0lf + q * r / double(n);
    const int e = int(k);                             // 2^e as two factors (no denormal, no 2^1024)
    const double h = packDouble2x32(uvec2(0u, uint(e / 2 + 1023) << 20));
    const double l = packDouble2x32(uvec2(0u, uint(e - e / 2 + 1023) << 20));
    return q * h * l;
}

double log_d(const double x) {                      // x > 0, finite, normal
    const uvec2 w = unpackDouble2x32(x);
    int e = int((w.y >> 20) & 0x7ffu) - 1022;         // x = m 2^e, m in [0.5, 1)
    double m = packDouble2x32(uvec2(w.x, (w.y & 0x800fffffu) | (1022u << 20)));
    if (m < 0.7071067811865476lf) { m *= 2.0lf; e -= 1; }
    const double s = (m - 1.0lf) / (m + 1.0lf), s2 = s * s;      // log m = 2 atanh s, |s| < 0.172
    double t = 0.0lf;
    for (int n = 21; n >= 1; n -= 2) t = t * s2 + 1.0lf / double(n);
    return 2.0lf * s * t + double(e) * 0.6931471805599453lf;
}
#define POW_T double
#else
#define POW_T f_t
#endif

// C99's pow (GLSL's is undefined for x <= 0): pow(x, 0) = 1 and pow(1, y) = 1 even for NaN; a
// negative base with an integer exponent is signed; infinities and zeros by C99's table. Decided
// by assignments in order, not early returns (glslc -O crashed on those).
f_t c_pow(const f_t x, const f_t e) {
    const f_t ax = abs(x), inf = f_t(uintBitsToFloat(0x7f800000u));
    const bool integral = floor(e) == e;
    const bool odd = integral && abs(e) < 16777216.0 && mod(e, f_t(2.0)) == 1.0;
    const bool finite = ax != inf && ax != 0.0 && !is_nan(ax) && !is_nan(e) && abs(e) != inf;
#ifdef POW_DOUBLE
    double big;
    if (integral && abs(e) <= 64.0) {                 // by squaring: exact integer powers (3^6 = 729)
        double q = 1.0lf, b = double(ax);
        for (int k = int(abs(e)); k != 0; k >>= 1) {
            if ((k & 1) != 0) q *= b;
            b *= b;
        }
        big = e < 0.0 ? 1.0lf / q : q;
    } else {
        const double t = double(e) * log_d(finite ? double(ax) : 1.0lf);
        big = t > 709.7lf ? 1.0e300lf : t < -745.0lf ? 0.0lf : exp_d(t);
    }
    f_t r = A_BITS == 64 || big < 3.4028235677973366e38lf ? f_t(big) : inf;   // (float: past its max, inf)
#else
    f_t r = f_t(pow(float(ax), float(e)));           // (doubles: pow_f64 runs their Pow)
#endif
    if (ax == inf) r = e > 0.0 ? inf : f_t(0.0);
    if (ax == 0.0) r = e > 0.0 ? f_t(0.0) : inf;
    if (x < 0.0 && !integral && ax != inf) r = f_t(nan_value());
    if (sign_bit(x) && odd) r = -r;
    if (abs(e) == inf) r = ax == 1.0 ? f_t(1.0) : ((ax > 1.0) == (e > 0.0) ? inf : f_t(0.0));
    if (is_nan(x) || is_nan(e)) r = f_t(nan_value());
    if (e == 0.0 || x == 1.0) r = f_t(1.0);
    return r;
}

// Pow. A float base: C99's pow (an integer exponent converted). An integer base with a float
// exponent: pow in float, truncated toward zero, saturated (NaN gives 0). Integer base and
// exponent: exact, wrapping; a negative exponent gives the truncated fraction (1 for a base 1,
// +-1 for -1, else 0; 0 for a base 0, where ONNX leaves 1/0 open).
a_c power(const a_c x, const b_c e) {
#if defined(A_FLOAT)
    return a_c(c_pow(f_t(x), f_t(e)));
#elif defined(B_FLOAT)
    const f_t r = c_pow(f_t(x), f_t(e));
#if defined(A_SIGNED) && A_BITS == 64
    const f_t lo = -9.223372036854775808e18, hi = 9.223371487098961920e18;   // (float below 2^63)
#elif defined(A_SIGNED)
    const f_t lo = f_t(A_MIN), hi = f_t(A_MAX);
#elif A_BITS == 64
    const f_t lo = 0.0, hi = 1.8446742974197924e19;
#else
    const f_t lo = 0.0, hi = f_t(A_MAX);
#endif
    if (is_nan(r)) return a_c(0);
    return r <= lo ? a_c(A_MIN) : r >= hi ? a_c(A_MAX) : a_c(trunc(r));
#else
#if defined(B_SIGNED)
    if (e < b_c(0)) {
#if defined(A_SIGNED)
        if (x == a_c(-1)) return (e & b_c(1)) != b_c(0) ? a_c(-1) : a_c(1);
#endif
        return x == a_c(1) ? a_c(1) : a_c(0);
    }
#endif
    a_c r = a_c(1), q = x;
    for (b_c k = e; k != b_c(0); k >>= 1) {
        if ((k & b_c(1)) != b_c(0)) r *= q;
        q *= q;
    }
    return r;
#endif
}

a_c apply(const a_c x, const b_c y) {
    switch (OP) {
    case OP_ADD: return x + a_c(y);
    case OP_SUB: return x - a_c(y);
    case OP_MUL: return x * a_c(y);
    case OP_DIV: return divide(x, a_c(y));
    case OP_POW: return power(x, y);
    case OP_MAX: return maximum(x, a_c(y));
    case OP_MIN: return minimum(x, a_c(y));
    default:     return x < a_c(0) ? x * a_c(y) : x;                    // OP_PRELU: y is the slope
    }
}

#ifndef NARY_PASS
// Bindings 0 a, 1 b, 2 y; with FLOAT_READS (b of a's type) also 3 a and 4 b again, four elements
// per index (elementwise.glsl's READ4), read where VEC is 4.
#ifdef FLOAT_READS
READ(0, a);
READ(1, b);
READ4(3, a4);
READ4(4, b4);
#define B_AT(i) b_c(LOAD(b, i))
#else
layout(std430, binding = 0) readonly buffer A { a_t a[]; };
layout(std430, binding = 1) readonly buffer B { b_t b[]; };
#define B_AT(i) b_c(b[i])
#endif
layout(std430, binding = 2) writeonly buffer Y { a_t y[]; };
layout(push_constant) uniform Params { int n; int inner; int mid; int outer; int dims[6]; int sa[6]; int sb[6]; } p;

void put(const int iy, const int ia, const int ib) { y[iy] = a_t(apply(LOAD(a, ia), B_AT(ib))); }

#ifdef FLOAT_READS
void put4(const int iy, const a_c4 va, const a_c4 vb) {
    for (int k = 0; k < 4; ++k) y[iy + k] = a_t(FORM == FORM_COPY ? va[k] : apply(va[k], b_c(vb[k])));
}

// VEC 4 or 16: the forms VEC elements at a time along the contiguous dim (its size a multiple of
// VEC), as VEC / 4 consecutive vectors of four (fewer invocations: each costs lavapipe dearly).
void main_vec() {
    const int q = VEC >> 2;
    if (FORM == FORM_ROW_B || FORM == FORM_ROW_A) {
        const int m = int(gl_GlobalInvocationID.x) * q, o = int(gl_GlobalInvocationID.y), mid = p.mid >> 2;
        if (m >= mid || o >= p.outer) return;
        for (int j = m; j < m + q; ++j) {
            const int at = o * mid + j;
            if (FORM == FORM_ROW_B) put4(at * 4, LOAD4(a4, at), LOAD4(b4, j));
            else put4(at * 4, LOAD4(a4, j), LOAD4(b4, at));
        }
    } else if (FORM == FORM_CHANNEL_B || FORM == FORM_CHANNEL_A) {
        const int r = int(gl_GlobalInvocationID.x) * q, m = int(gl_GlobalInvocationID.y);
        const int o = int(gl_GlobalInvocationID.z), inner = p.inner >> 2;
        if (r >= inner || m >= p.mid || o >= p.outer) return;
        const int first = (o * p.mid + m) * inner + r;
        const a_c4 c = a_c4(FORM == FORM_CHANNEL_B ? LOAD(b, m) : LOAD(a, m));
        for (int at = first; at < first + q; ++at) {
            if (FORM == FORM_CHANNEL_B) put4(at * 4, LOAD4(a4, at), c);
            else put4(at * 4, c, LOAD4(b4, at));
        }
    } else {
        const int first = INVOCATION_INDEX * q;
        if (first >= p.n >> 2) return;
        const a_c4 c = a_c4(FORM == FORM_SCALAR_B ? LOAD(b, 0) : FORM == FORM_SCALAR_A ? LOAD(a, 0) : a_c(0));
        for (int i = first; i < first + q; ++i) {
            if (FORM == FORM_SCALAR_B) put4(i * 4, LOAD4(a4, i), c);
            else if (FORM == FORM_SCALAR_A) put4(i * 4, c, LOAD4(b4, i));
            else put4(i * 4, LOAD4(a4, i), FORM == FORM_COPY ? c : LOAD4(b4, i));    // FORM_SAME, FORM_COPY
        }
    }
}
#endif

void main() {
#ifdef FLOAT_READS
    if (VEC >= 4) {
        main_vec();
        return;
    }
#endif
    if (FORM == FORM_ROW_B || FORM == FORM_ROW_A) {
        const int m = int(gl_GlobalInvocationID.x), o = int(gl_GlobalInvocationID.y);
        if (m >= p.mid || o >= p.outer) return;
        const int at = o * p.mid + m;
        if (FORM == FORM_ROW_B) put(at, at, m); else put(at, m, at);
    } else if (FORM == FORM_CHANNEL_B || FORM == FORM_CHANNEL_A) {
        const int r = int(gl_GlobalInvocationID.x), m = int(gl_GlobalInvocationID.y);
        const int o = int(gl_GlobalInvocationID.z);
        if (r >= p.inner || m >= p.mid || o >= p.outer) return;
        const int at = (o * p.mid + m) * p.inner + r;
        if (FORM == FORM_CHANNEL_B) put(at, at, m); else put(at, m, at);
    } else {
        const int i = INVOCATION_INDEX;
        if (i >= p.n) return;
        if (FORM == FORM_SAME) put(i, i, i);
        else if (FORM == FORM_SCALAR_B) put(i, i, 0);
        else if (FORM == FORM_SCALAR_A) put(i, 0, i);
        else if (FORM == FORM_COPY) y[i] = a_t(LOAD(a, i));
        else {                                                          // FORM_GENERAL
            int rest = i, ia = 0, ib = 0;
            for (int k = 5; k >= 0; --k) {
                const int q = rest % p.dims[k];
                rest /= p.dims[k];
                ia += q * p.sa[k];
                ib += q * p.sb[k];
            }
            put(i, ia, ib);
        }
    }
}
#else
// y = op(... op(op(x0, x1), x2) ..., x_{count-1}), divided by `divisor` unless 0 (Mean), computed
// in A's arithmetic type and stored once. table: y's dims [0, 6), then input k's strides
// [6 (k + 1), 6 (k + 2)); inputs k >= count are placeholders (never read).
#define NARY 8
layout(std430, binding = 0) writeonly buffer Y { a_t y[]; };
#define INPUT(k) layout(std430, binding = k + 1) readonly buffer X##k { a_t x##k[]; };
INPUT(0) INPUT(1) INPUT(2) INPUT(3) INPUT(4) INPUT(5) INPUT(6) INPUT(7)
layout(std430, binding = 9) readonly buffer T { int table[]; };
layout(push_constant) uniform Params { int n; int count; int divisor; } p;

a_c load(const int k, const int at) {
    switch (k) {
    case 0: return a_c(x0[at]);
    case 1: return a_c(x1[at]);
    case 2: return a_c(x2[at]);
    case 3: return a_c(x3[at]);
    case 4: return a_c(x4[at]);
    case 5: return a_c(x5[at]);
    case 6: return a_c(x6[at]);
    default: return a_c(x7[at]);
    }
}

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.n) return;
    int at[NARY] = int[NARY](0, 0, 0, 0, 0, 0, 0, 0), rest = i;
    for (int d = 5; d >= 0; --d) {
        const int q = rest % table[d];
        rest /= table[d];
        for (int k = 0; k < NARY; ++k) at[k] += q * table[6 * (k + 1) + d];
    }
    a_c acc = load(0, at[0]);
    for (int k = 1; k < NARY; ++k)
        if (k < p.count) acc = apply(acc, b_c(load(k, at[k])));
    if (p.divisor != 0) acc = divide(acc, a_c(p.divisor));
    y[i] = a_t(acc);
}
#endif
