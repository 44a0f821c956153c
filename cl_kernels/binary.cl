// Broadcasting binary ops y = op(a, b): Add, Sub, Mul, Div, Pow, Max, Min, PRelu; Max, Min, Sum and
// Mean of more inputs in one pass. Element types by role (elementwise.h): a and y are A; b is A
// too, except Pow's exponent (B).
//
// A program holds the one kernel -DFORM_<name> asks for (PoCL compiles every kernel of a program
// when the runtime reads its binary for the disk cache, used or not); the op is -DOP=OP_<name>.
// The kernels, chosen at resize by gpu_infer/backends/opencl/ops/broadcast.py (no index arithmetic where the
// broadcast has a simple one):
//   row_b      y[o, m] = op(a[o, m], b[m])         b repeats over o; b full (same shape): o = 1
//   row_a      y[o, m] = op(a[m], b[o, m])
//   channel_b  y[o, m, r] = op(a[o, m, r], b[m])   per-channel (NCHW bias, scale); a scalar b: m = 1
//   channel_a  y[o, m, r] = op(a[m], b[o, m, r])
//   general    any broadcast, collapsed to <= 6 dims: one div / mod per dim per work-item
//   nary       Max, Min, Sum (OP_ADD), Mean of up to NARY inputs
//   copy       y = x (Max, Min, Sum, Mean of one input)
// Every buffer comes with the element offset of its tensor (tensors share an arena).
#include "elementwise.h"

#define OP_ADD 0
#define OP_SUB 1
#define OP_MUL 2
#define OP_DIV 3
#define OP_POW 4
#define OP_MAX 5
#define OP_MIN 6
#define OP_PRELU 7

// Integer division truncates toward zero (C, onnxruntime). Division by zero, undefined in C and
// in onnxruntime, gives 0 (as NumPy, the CPU backend); the most negative value by -1 wraps.
inline a_c divide(const a_c x, const a_c y) {
#ifdef A_FLOAT
    return x / y;
#else
#ifdef A_SIGNED
    const bool special = y == 0 || y == (a_c)-1;
    const a_c q = x / (special ? (a_c)1 : y);
    return y == 0 ? (a_c)0 : (y == (a_c)-1 ? WRAP_NEG(x) : q);
#else
    return y == 0 ? (a_c)0 : x / (y == 0 ? (a_c)1 : y);
#endif
#endif
}

#if defined(A_FLOAT)
typedef a_c wide_t;                     // Pow computes in A's type
#elif defined(USE_FP64)
typedef double wide_t;                  // an integer base with a float exponent: in double,
#else
typedef float wide_t;                   // or float where the device has no double
#endif

// Pow: C99's pow for a float base (pow(x, 0) = 1 and pow(1, y) = 1 even for NaN; an integer
// exponent converted). An integer base with a float exponent: pow in double, truncated toward zero,
// saturated (NaN gives 0). Integer base and exponent: exact, wrapping; a negative exponent gives the
// truncated fraction (1 for a base 1, +-1 for -1, else 0; 0 for a base 0, where ONNX leaves 1/0 open).
inline a_c power(const a_c x, const b_c e) {
#if defined(A_FLOAT)
    return pow(x, (a_c)e);
#elif defined(B_FLOAT)
    return CAT3(convert_, A_T, _sat_rtz)(pow((wide_t)x, (wide_t)e));
#else
#ifdef B_SIGNED
    if (e < 0) {
        return x == (a_c)1 ? (a_c)1 :
#ifdef A_SIGNED
               x == (a_c)-1 ? ((e & 1) ? (a_c)-1 : (a_c)1) :
#endif
               (a_c)0;
    }
#endif
    A_U r = 1, p = (A_U)x;
    for (B_U k = (B_U)e; k; k >>= 1) {
        if (k & 1) r *= p;
        p *= p;
    }
    return (a_c)r;
#endif
}

// `op` is a literal in every kernel below, so the switch folds away.
inline a_c apply(const int op, const a_c x, const b_c y) {
    switch (op) {
    case OP_ADD: return WRAP(x, +, y);
    case OP_SUB: return WRAP(x, -, y);
    case OP_MUL: return WRAP(x, *, y);
    case OP_DIV: return divide(x, y);
    case OP_POW: return power(x, y);
    case OP_MAX: return maximum(x, y);
    case OP_MIN: return minimum(x, y);
    default:     return x < 0 ? WRAP(x, *, y) : x;                     // OP_PRELU: y is the slope
    }
}

#define ARGS __global const a_t *a, const int a_off, __global const b_t *b, const int b_off, \
             __global a_t *y, const int y_off
#define PASS a, a_off, b, b_off, y, y_off

// y[iy + k] = op(a[ia + k * sa], b[ib + k * sb]) for k < min(count, VEC); the steps sa, sb are 0
// (a broadcast value) or 1, literals in the row and channel kernels.
inline void block(const int op, ARGS, const int ia, const int sa, const int ib, const int sb, const int iy,
                  const int count) {
    if (count >= VEC) {
        a_c xa[VEC], r[VEC];
        b_c xb[VEC];
        if (sa) {
            LOAD_BLOCK_A(a, ia, xa);
        } else {
            const a_c v = LOAD_A(a, ia);
            for (int k = 0; k < VEC; ++k) xa[k] = v;
        }
        if (sb) {
            LOAD_BLOCK_B(b, ib, xb);
        } else {
            const b_c v = LOAD_B(b, ib);
            for (int k = 0; k < VEC; ++k) xb[k] = v;
        }
        for (int k = 0; k < VEC; ++k) r[k] = apply(op, xa[k], xb[k]);
        STORE_BLOCK_A(r, iy, y);
    } else {
        for (int k = 0; k < count; ++k)
            STORE_A(apply(op, LOAD_A(a, ia + k * sa), LOAD_B(b, ib + k * sb)), iy + k, y);
    }
}

// Rows of `mid` elements, `outer` of them: dim 0 the position m in the row (VEC per work-item),
// dim 1 the row o. b_rows: b is the operand repeated over the rows (else a).
inline void each_row(const int op, const bool b_rows, ARGS, const int mid, const int outer) {
    const int m = get_global_id(0) * VEC, o = get_global_id(1);
    if (o >= outer) return;
    const int at = o * mid + m;
    block(op, PASS, a_off + (b_rows ? at : m), 1, b_off + (b_rows ? m : at), 1, y_off + at, mid - m);
}

// y viewed as [outer, mid, inner]: dim 0 the position r in the inner block (VEC per work-item),
// dim 1 the channel m, dim 2 the outer index o. b_channels: b is the per-channel operand (else a).
inline void each_channel(const int op, const bool b_channels, ARGS, const int inner, const int mid) {
    const int r = get_global_id(0) * VEC, m = get_global_id(1), o = get_global_id(2);
    if (m >= mid) return;
    const int at = (o * mid + m) * inner + r;
    if (b_channels)
        block(op, PASS, a_off + at, 1, b_off + m, 0, y_off + at, inner - r);
    else
        block(op, PASS, a_off + m, 0, b_off + at, 1, y_off + at, inner - r);
}

// table: y's dims [0, 6), a's strides [6, 12), b's strides [12, 18) (0 where broadcast), leading
// dims 1. Dim 0 runs along the last dim (VEC per work-item), dim 1 over the rows before it.
inline void each_index(const int op, ARGS, __global const int *table, const int rows) {
    const int c = get_global_id(0) * VEC, row = get_global_id(1);
    if (row >= rows) return;
    int rest = row, ia = a_off, ib = b_off;
    for (int k = 4; k >= 0; --k) {
        const int d = table[k], q = rest % d;
        rest /= d;
        ia += q * table[6 + k];
        ib += q * table[12 + k];
    }
    const int last = table[5], sa = table[11], sb = table[17];
    block(op, PASS, ia + c * sa, sa, ib + c * sb, sb, y_off + row * last + c, last - c);
}

#ifdef FORM_ROW_A
__kernel void row_a(ARGS, const int mid, const int outer) { each_row(OP, false, PASS, mid, outer); }
#endif
#ifdef FORM_ROW_B
__kernel void row_b(ARGS, const int mid, const int outer) { each_row(OP, true, PASS, mid, outer); }
#endif
#ifdef FORM_CHANNEL_A
__kernel void channel_a(ARGS, const int inner, const int mid) { each_channel(OP, false, PASS, inner, mid); }
#endif
#ifdef FORM_CHANNEL_B
__kernel void channel_b(ARGS, const int inner, const int mid) { each_channel(OP, true, PASS, inner, mid); }
#endif
#ifdef FORM_GENERAL
__kernel void general(ARGS, __global const int *table, const int rows) { each_index(OP, PASS, table, rows); }
#endif

#ifdef FORM_COPY
__kernel void copy(__global const a_t *x, const int x_off, __global a_t *y, const int y_off, const int n) {
    const int i = get_global_id(0) * VEC, end = min(i + VEC, n);
    for (int j = i; j < end; ++j)
        STORE_A(LOAD_A(x, x_off + j), y_off + j, y);
}
#endif

#ifdef FORM_NARY
// y = op(... op(op(x0, x1), x2) ..., x_{count-1}), divided by `divisor` unless 0 (Mean), computed in
// A's arithmetic type and stored once (no rounding to half storage, or overflow there, between
// inputs). table: y's dims [0, 6), then input k's strides [6 (k + 1), 6 (k + 2)); dims as general's.
// Inputs k >= count are placeholders.
#define NARY 8
#define NARY_INPUT(k) __global const a_t *x##k, const int o##k
#define NARY_STEP(k) if (count > k) acc = apply(OP, acc, LOAD_A(x##k, at[k] + j * table[6 * k + 11]));

__kernel void nary(__global a_t *y, const int y_off, NARY_INPUT(0), NARY_INPUT(1), NARY_INPUT(2), NARY_INPUT(3),
                   NARY_INPUT(4), NARY_INPUT(5), NARY_INPUT(6), NARY_INPUT(7), const int count, const int divisor,
                   __global const int *table, const int rows) {
    const int c = get_global_id(0) * VEC, row = get_global_id(1);
    if (row >= rows) return;
    int at[NARY] = {o0, o1, o2, o3, o4, o5, o6, o7}, rest = row;
    for (int d = 4; d >= 0; --d) {
        const int q = rest % table[d];
        rest /= table[d];
        for (int k = 0; k < count; ++k) at[k] += q * table[6 * (k + 1) + d];
    }
    const int last = table[5], end = min(c + VEC, last), iy = y_off + row * last;
    for (int j = c; j < end; ++j) {
        a_c acc = LOAD_A(x0, at[0] + j * table[11]);
        NARY_STEP(1) NARY_STEP(2) NARY_STEP(3) NARY_STEP(4) NARY_STEP(5) NARY_STEP(6) NARY_STEP(7)
        if (divisor) acc = divide(acc, (a_c)divisor);
        STORE_A(acc, iy + j, y);
    }
}
#endif
