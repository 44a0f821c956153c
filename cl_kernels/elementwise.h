// What the elementwise kernels share (unary.cl, binary.cl, cast.cl, batchnorm.cl): element types by
// role, NumPy's maximum / minimum, wrapping integer arithmetic, and the work of one work-item.
//
// Several element types meet in one kernel (Pow's base and exponent, Cast's source and target,
// float or integer tensors of every width), so element types come by role from build options
// (gpu_infer/backends/opencl/ops/elementwise.py: role_options) rather than from precision.h's
// single store_t; the three precision levels map onto them: fp32 float, fp16-storage <R>_HALF,
// fp16-arith <R>_T=half.
//   role A: the op's type (its inputs and output; Cast's source)
//   role B: a second type (Pow's exponent, Cast's target); A when not given
//   -D<R>_T=<type>  stored and computed in <type>: float, double, half (cl_khr_fp16), char .. ulong
//   -D<R>_HALF      stored as half (vload_half / vstore_half, core OpenCL), computed in float
//   -D<R>_FLOAT     a floating-point type        -D<R>_SIGNED  a signed integer type
//   -D<R>_U=<type>  integers: the unsigned type their wrapping arithmetic runs in (uint or ulong)
//   -D<R>_BOOL      bool, stored as uchar 0 / 1
//   -DUSE_FP16, -DUSE_FP64: the extensions a half or double role needs
// Per role R (a, b): r_t the stored type, r_c the arithmetic type, LOAD_R(p, i) -> r_c, STORE_R(v, i, p).
#ifdef USE_FP16
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#endif
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define CAT3(a, b, c) CAT(CAT(a, b), c)

#ifdef A_HALF
typedef half a_t;
typedef float a_c;
#define LOAD_A(p, i) vload_half((i), (p))
#define STORE_A(v, i, p) vstore_half_rte((v), (i), (p))
#else
typedef A_T a_t;
typedef A_T a_c;
#define LOAD_A(p, i) ((p)[i])
#define STORE_A(v, i, p) ((p)[i] = (v))
#endif

#if defined(B_HALF)
typedef half b_t;
typedef float b_c;
#define LOAD_B(p, i) vload_half((i), (p))
#define STORE_B(v, i, p) vstore_half_rte((v), (i), (p))
#elif defined(B_T)
typedef B_T b_t;
typedef B_T b_c;
#define LOAD_B(p, i) ((p)[i])
#define STORE_B(v, i, p) ((p)[i] = (v))
#else                                   // B is A
#define B_IS_A
typedef a_t b_t;
typedef a_c b_c;
#define LOAD_B LOAD_A
#define STORE_B STORE_A
#ifdef A_FLOAT
#define B_FLOAT
#endif
#ifdef A_SIGNED
#define B_SIGNED
#endif
#ifdef A_U
#define B_U A_U
#endif
#endif

// A floating-point constant in A's arithmetic type, at full precision where that is double.
#ifdef USE_FP64
#define K(x) ((a_c)(x))
#else
#define K(x) ((a_c)(CAT(x, f)))
#endif

// Integer +, -, * wrap around (two's complement), as NumPy and onnxruntime do: computed in the
// unsigned type, where C defines it (signed overflow is undefined in C, and narrow types promote
// to int, whose overflow is too).
#ifdef A_U
#define WRAP(x, op, y) ((a_c)((A_U)(x) op (A_U)(y)))
#define WRAP_NEG(x) ((a_c)(-(A_U)(x)))
#else
#define WRAP(x, op, y) ((x) op (y))
#define WRAP_NEG(x) (-(x))
#endif

// NumPy's maximum / minimum (ONNX Max, Min, Relu, Clip): NaN in either operand gives NaN, and of
// two equal values (+0 and -0) the second.
inline a_c maximum(const a_c x, const a_c y) {
#ifdef A_FLOAT
    return (x > y || isnan(x)) ? x : y;
#else
    return x > y ? x : y;
#endif
}

inline a_c minimum(const a_c x, const a_c y) {
#ifdef A_FLOAT
    return (x < y || isnan(x)) ? x : y;
#else
    return x < y ? x : y;
#endif
}

// Each work-item computes VEC consecutive elements of the contiguous dimension 0 through private
// arrays: plain types with a fixed-count loop (PoCL and GPU compilers vectorise it), half storage
// with vload_half8 / vstore_half8 (one element per work-item with a bounds check measured 3-6x
// slower on PoCL, scalar vload_half 6x slower than vload_half8). The last work-item of a row
// computes the remainder element by element.
#define VEC 8
#ifdef A_HALF
#define LOAD_BLOCK_A(p, i, x) vstore8(vload_half8(0, (p) + (i)), 0, (x))
#define STORE_BLOCK_A(x, i, p) vstore_half8_rte(vload8(0, (x)), 0, (p) + (i))
#else
#define LOAD_BLOCK_A(p, i, x) for (int k_ = 0; k_ < VEC; ++k_) (x)[k_] = (p)[(i) + k_]
#define STORE_BLOCK_A(x, i, p) for (int k_ = 0; k_ < VEC; ++k_) (p)[(i) + k_] = (x)[k_]
#endif
#if defined(B_HALF)
#define LOAD_BLOCK_B(p, i, x) vstore8(vload_half8(0, (p) + (i)), 0, (x))
#define STORE_BLOCK_B(x, i, p) vstore_half8_rte(vload8(0, (x)), 0, (p) + (i))
#elif defined(B_T)
#define LOAD_BLOCK_B(p, i, x) for (int k_ = 0; k_ < VEC; ++k_) (x)[k_] = (p)[(i) + k_]
#define STORE_BLOCK_B(x, i, p) for (int k_ = 0; k_ < VEC; ++k_) (p)[(i) + k_] = (x)[k_]
#else
#define LOAD_BLOCK_B LOAD_BLOCK_A
#define STORE_BLOCK_B STORE_BLOCK_A
#endif
