// Unary elementwise ops y = f(x) over n contiguous elements of role A (elementwise.h), as the CPU
// backend computes them (gpu_infer/backends/cpu/ops/activations.py, unary.py): Relu, LeakyRelu,
// Sigmoid, HardSigmoid, HardSwish, Tanh, Elu, Erf, Gelu (exact and tanh), Softplus, Sqrt, Exp, Log,
// Abs, Neg, Reciprocal, and Clip (bounds as arguments, or read from the device). alpha and beta
// are the op's parameters (LeakyRelu's and Elu's alpha, HardSigmoid's alpha and beta, Clip's bounds).
// NaN stays NaN everywhere; the rest is IEEE: Sqrt(-1) NaN, Log(0) -inf, Reciprocal(-0) -inf.
// A program holds the one kernel -DFORM_<name> asks for (see binary.cl): `unary`, for the op
// -DOP=OP_<name>, or `clip_tensors`.
#include "elementwise.h"

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

// `op` is a literal in every kernel below, so the switch folds away.
inline a_c apply(const int op, const a_c x, const a_c alpha, const a_c beta) {
    switch (op) {
    case OP_RELU: return maximum(x, (a_c)0);                      // Relu(-0) = +0, as NumPy's maximum
    case OP_CLIP: return minimum(maximum(x, alpha), beta);        // min > max gives max (the spec)
#ifdef A_FLOAT
    case OP_ABS: return fabs(x);
    case OP_NEG: return -x;
    case OP_LEAKY_RELU: return x >= 0 ? x : x * alpha;
    case OP_SIGMOID: {                                            // no overflow for large |x|
        const a_c e = exp(-fabs(x));
        return x >= 0 ? K(1.0) / (K(1.0) + e) : e / (K(1.0) + e);
    }
    case OP_HARD_SIGMOID: return minimum(maximum(x * alpha + beta, (a_c)0), K(1.0));
    case OP_HARD_SWISH: return x * minimum(maximum(x / K(6.0) + K(0.5), (a_c)0), K(1.0));
    case OP_TANH: return tanh(x);
    case OP_ELU: return x >= 0 ? x : alpha * expm1(x);
    case OP_ERF: return erf(x);
    case OP_GELU: return K(0.5) * x * (K(1.0) + erf(x / K(1.4142135623730951)));
    case OP_GELU_TANH: {      // x (1 + tanh(u)) / 2 = x / (1 + exp(-2u)): no cancellation, exact limits
        const a_c u = K(0.7978845608028654) * (x + K(0.044715) * (x * x * x));   // (PoCL's tanh(-inf) is
        return x / (K(1.0) + exp(K(-2.0) * u));                                   // -0.99999994)
    }
    case OP_SOFTPLUS: return (x > 0 ? x : (a_c)0) + log1p(exp(-fabs(x)));    // log(1 + e^x)
    case OP_SQRT: return sqrt(x);
    case OP_EXP: return exp(x);
    case OP_LOG: return log(x);
    default: return K(1.0) / x;                                   // OP_RECIPROCAL
#else
#ifdef A_SIGNED
    case OP_ABS: return x < 0 ? WRAP_NEG(x) : x;                  // Abs(MIN) wraps to MIN, as NumPy
#else
    case OP_ABS: return x;
#endif
    default: return WRAP_NEG(x);                                  // OP_NEG
#endif
    }
}

// y[i] = op(x[i]) for i < n: VEC elements per work-item along dim 0
inline void run(const int op, __global const a_t *x, const int x_off, __global a_t *y, const int y_off,
                const int n, const a_c alpha, const a_c beta) {
    const int i = get_global_id(0) * VEC;
    if (i + VEC <= n) {
        a_c v[VEC];
        LOAD_BLOCK_A(x, x_off + i, v);
        for (int k = 0; k < VEC; ++k) v[k] = apply(op, v[k], alpha, beta);
        STORE_BLOCK_A(v, y_off + i, y);
    } else {
        for (int j = i; j < n; ++j) STORE_A(apply(op, LOAD_A(x, x_off + j), alpha, beta), y_off + j, y);
    }
}

#ifdef FORM_UNARY
__kernel void unary(__global const a_t *x, const int x_off, __global a_t *y, const int y_off, const int n,
                    const a_c alpha, const a_c beta) {
    run(OP, x, x_off, y, y_off, n, alpha, beta);
}
#endif

#ifdef FORM_CLIP_TENSORS
// Clip with bounds computed on the device: each read from its tensor (has_lo / has_hi 0: absent,
// the buffer is a placeholder).
__kernel void clip_tensors(__global const a_t *x, const int x_off, __global a_t *y, const int y_off, const int n,
                           __global const a_t *lo, const int lo_off, const int has_lo,
                           __global const a_t *hi, const int hi_off, const int has_hi) {
    const int i = get_global_id(0) * VEC, end = min(i + VEC, n);
    if (i >= n) return;
    const a_c l = LOAD_A(lo, lo_off), h = LOAD_A(hi, hi_off);
    for (int j = i; j < end; ++j) {
        a_c v = LOAD_A(x, x_off + j);
        if (has_lo) v = maximum(v, l);
        if (has_hi) v = minimum(v, h);
        STORE_A(v, y_off + j, y);
    }
}
#endif
