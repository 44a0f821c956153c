#version 450
// Unary elementwise ops y = f(x) over n contiguous elements of role A (elementwise.glsl), as
// cl_kernels/unary.cl and the CPU backend compute them: Relu, LeakyRelu, Sigmoid, HardSigmoid,
// HardSwish, Tanh, Elu, Erf, Gelu (exact and tanh), Softplus, Sqrt, Exp, Log, Abs, Neg,
// Reciprocal, and Clip. The op is specialization constant 3 (OP, folded by the compiler); alpha
// and beta are push constants (LeakyRelu's and Elu's alpha, HardSigmoid's alpha and beta, Clip's
// bounds). -DCLIP_TENSORS: Clip with bounds read from tensors (bindings 2 and 3) at run time.
// NaN stays NaN everywhere; the rest is IEEE: Sqrt(-1) NaN, Log(0) -inf, Reciprocal(-0) -inf.
// Special values are decided explicitly, not left to GLSL built-ins, whose results there are
// undefined. Float math is in float for float and half storage (at fp16-arith too: one
// transcendental per element gains nothing from half arithmetic), in double for doubles (which
// have no exp / log / tanh in GLSL: those ops refuse float64, gpu_infer/backends/vulkan/ops/unary.py).
#extension GL_GOOGLE_include_directive : require
#include "elementwise.glsl"

#define OP_RELU 0
#define OP_ABS 1
#define OP_NEG 2
#define OP_CLIP 3
#define OP_LEAKY_RELU 4
#define OP_SIGMOID 5
#define OP_HARD_SIGMOID 6
#define OP_HARD_SWISH 7
#define OP_TANH 8
#define OP_ELU 9
#define OP_ERF 10
#define OP_GELU 11
#define OP_GELU_TANH 12
#define OP_SOFTPLUS 13
#define OP_SQRT 14
#define OP_EXP 15
#define OP_LOG 16
#define OP_RECIPROCAL 17

layout(local_size_x_id = 0) in;
layout(constant_id = 3) const int OP = 0;
layout(constant_id = 4) const int VEC = 1;  // 4, 16: elements per invocation, as vectors of four (FLOAT_READS)

// Bindings 0 x, 1 y; with FLOAT_READS also 2 x again, four elements per index (elementwise.glsl).
READ(0, x);
layout(std430, binding = 1) writeonly buffer Y { a_t y[]; };
#ifdef FLOAT_READS
READ4(2, x4);
#endif
#ifdef CLIP_TENSORS
layout(std430, binding = 2) readonly buffer Lo { a_t lo[]; };
layout(std430, binding = 3) readonly buffer Hi { a_t hi[]; };
layout(push_constant) uniform Params { int n; int has_lo; int has_hi; } p;
#else
layout(push_constant) uniform Params { int n; int pad; a_p alpha; a_p beta; } p;
#endif

#if defined(A_FLOAT) && A_BITS == 64
#define f_t double                      // the float math type
#define F(v) double(v)
#else
#define f_t float
#define F(v) float(v)
#endif

f_t copy_sign(const f_t magnitude, const f_t v) { return sign_bit(v) ? -abs(magnitude) : abs(magnitude); }

#if !(defined(A_FLOAT) && A_BITS == 64)
float infinity() { return uintBitsToFloat(0x7f800000u); }

// exp with IEEE limits, 1-2 ulp (lavapipe's exp is exp2(x log2 e): 3e-6 relative error at large x):
// Cody and Waite's reduction x = k ln 2 + r, |r| <= ln 2 / 2, and Cephes' expf polynomial for e^r.
// `precise` keeps the compiler from re-associating the reduction.
float exp_(const float v) {
    if (v > 88.72283) return infinity();
    if (v < -103.98) return 0.0;
    precise const float k = floor(v * 1.44269504 + 0.5);
    precise const float r = (v - k * 0.693359375) - k * -2.12194440e-4;
    precise const float q = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
                            + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * (r * r) + r + 1.0;
    const int e = int(k);
    return ldexp(ldexp(q, e / 2), e - e / 2);           // (2^128 itself is no float)
}

// erfc(a) for a >= 0 (Numerical Recipes' erfcc: fractional error below 1.2e-7 everywhere)
float erfc_pos(const float a) {
    const float t = 1.0 / (1.0 + 0.5 * a);
    const float r = -a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    return a > 10.0 ? 0.0 : t * exp_(r);
}

float erf_(const float v) {                 // Taylor series near 0 (no cancellation), 1 - erfc beyond
    const float a = abs(v);
    if (a < 0.5) {
        const float s = v * v;
        return v * 1.1283791670955126 * (1.0 + s * (-1.0 / 3.0 + s * (1.0 / 10.0 + s * (-1.0 / 42.0
                                        + s * (1.0 / 216.0 + s * (-1.0 / 1320.0))))));
    }
    return copy_sign(1.0 - erfc_pos(a), v);
}

float log_(const float v) {                  // decided on the bits: denormals may be flushed in arithmetic
    const uint bits = floatBitsToUint(v);
    if ((bits & 0x7fffffffu) == 0u) return -infinity();
    if (bits >= 0x80000000u) return nan_value();
    if (bits == 0x7f800000u) return v;
    if (bits < 0x00800000u) return log(float(bits)) - 103.27892990343185;     // v = bits 2^-149
    return log(v);
}

// log(1 + v) for v in [0, 1] as 2 atanh(v / (2 + v)), and exp(v) - 1 for v <= 0 by its series near 0:
// both accurate relative to a tiny result (lavapipe's log has an absolute, not relative, error near 1).
float log1p_(const float v) {
    const float s = v / (2.0 + v), s2 = s * s;                    // s <= 1/3
    float t = 1.0 / 17.0;
    for (int n = 15; n >= 1; n -= 2) t = t * s2 + 1.0 / float(n);
    return 2.0 * s * t;
}

float expm1_(const float v) {
    if (v > -0.25) {
        float t = 1.0;
        for (int n = 9; n >= 2; --n) t = 1.0 + t * v / float(n);
        return v * t;
    }
    return exp_(v) - 1.0;
}

float tanh_(const float v) {                // (1 - e^-2|v|) / (1 + e^-2|v|), with v's sign
    const float t = exp_(-2.0 * abs(v));
    const float m = abs(v) < 0.25 ? -expm1_(-2.0 * abs(v)) / (1.0 + t) : (1.0 - t) / (1.0 + t);
    return copy_sign(m, v);
}
#endif

a_c apply(const a_c v, const a_c alpha, const a_c beta) {
#ifdef A_FLOAT
    const f_t x = F(v);
    if (is_nan(x)) return v;
    switch (OP) {
    case OP_RELU: return a_c(x > 0.0 ? x : f_t(0.0));            // Relu(-0) = +0, as NumPy's maximum
    case OP_CLIP: return minimum(maximum(v, alpha), beta);        // min > max gives max (the spec)
    case OP_ABS: return a_c(abs(x));
    case OP_NEG: return a_c(-x);
    case OP_LEAKY_RELU: return a_c(x >= 0.0 ? x : x * F(alpha));
    case OP_HARD_SIGMOID: {
        const f_t h = x * F(alpha) + F(beta);
        return a_c(h > 1.0 ? f_t(1.0) : h > 0.0 ? h : f_t(0.0));
    }
    case OP_HARD_SWISH: {
        const f_t h = x / 6.0 + 0.5;
        return a_c(x * (h > 1.0 ? f_t(1.0) : h > 0.0 ? h : f_t(0.0)));
    }
    case OP_SQRT: return a_c(x < 0.0 ? F(nan_value()) : x == 0.0 ? x : sqrt(x));
    case OP_RECIPROCAL: return a_c(f_t(1.0) / x);
#if !(A_BITS == 64)
    case OP_SIGMOID: {                                            // no overflow for large |x|
        const float e = exp_(-abs(x));
        return a_c(x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
    }
    case OP_TANH: return a_c(tanh_(x));
    case OP_ELU: return a_c(x >= 0.0 ? x : F(alpha) * expm1_(x));
    case OP_ERF: return a_c(erf_(x));
    case OP_GELU: {                                               // x erfc(-x / sqrt 2) / 2: no cancellation
        const float z = x * 0.7071067811865476;
        return a_c(0.5 * x * (z >= 0.0 ? 2.0 - erfc_pos(z) : erfc_pos(-z)));
    }
    case OP_GELU_TANH: {      // x (1 + tanh(u)) / 2 = x / (1 + exp(-2u)): no cancellation, exact limits
        const float u = 0.7978845608028654 * (x + 0.044715 * (x * x * x));
        return a_c(x / (1.0 + exp_(-2.0 * u)));
    }
    case OP_SOFTPLUS: return a_c((x > 0.0 ? x : 0.0) + log1p_(exp_(-abs(x))));    // log(1 + e^x)
    case OP_EXP: return a_c(exp_(x));
    case OP_LOG: return a_c(log_(x));
#endif
    default: return v;
    }
#else
    switch (OP) {
    case OP_RELU: return maximum(v, a_c(0));
    case OP_CLIP: return minimum(maximum(v, alpha), beta);
#if defined(A_SIGNED)
    case OP_ABS: return v < 0 ? -v : v;                           // Abs(MIN) wraps to MIN, as NumPy
    case OP_NEG: return -v;
#else
    case OP_NEG: return a_c(0) - v;                               // wraps, as NumPy
#endif
    default: return v;                                            // OP_ABS of an unsigned type
    }
#endif
}

void main() {
    const int i = INVOCATION_INDEX;
#ifdef FLOAT_READS
    if (VEC >= 4) {
        const int q = VEC >> 2, first = i * q;
        if (first >= p.n >> 2) return;
        for (int j = first; j < first + q; ++j) {
            const a_c4 v = LOAD4(x4, j);
            for (int k = 0; k < 4; ++k) y[j * 4 + k] = a_t(apply(v[k], a_c(p.alpha), a_c(p.beta)));
        }
        return;
    }
#endif
    if (i >= p.n) return;
#ifdef CLIP_TENSORS
    a_c v = LOAD(x, i);
    if (p.has_lo != 0) v = maximum(v, a_c(lo[0]));
    if (p.has_hi != 0) v = minimum(v, a_c(hi[0]));
    y[i] = a_t(v);
#else
    y[i] = a_t(apply(LOAD(x, i), a_c(p.alpha), a_c(p.beta)));
#endif
}
