// Storage and arithmetic types per precision level, chosen by a build option:
//   (none)          float buffers, float arithmetic
//   -DSTORAGE_HALF  half buffers read and written with vload_half / vstore_half (core OpenCL,
//                   no cl_khr_fp16 needed), float arithmetic
//   -DCOMPUTE_HALF  half buffers and half arithmetic (needs cl_khr_fp16)
// Long reductions (GEMM's K, sums, means, variances) accumulate in acc_t, float at every level.
//
//   store_t      the element type of float tensors in buffers
//   real, realN  the arithmetic type (scalar, vectors of 4 and 8)
//   LOAD(p, i) / STORE(v, i, p)        one element at index i
//   LOAD4/8(p, i) / STORE4/8(v, i, p)  4 / 8 consecutive elements starting at index i (any i)
#if defined(COMPUTE_HALF)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
typedef half store_t;
typedef half real;
typedef half4 real4;
typedef half8 real8;
#define LOAD(p, i) ((p)[i])
#define STORE(v, i, p) ((p)[i] = (v))
#define LOAD4(p, i) vload4(0, (p) + (i))
#define LOAD8(p, i) vload8(0, (p) + (i))
#define STORE4(v, i, p) vstore4((v), 0, (p) + (i))
#define STORE8(v, i, p) vstore8((v), 0, (p) + (i))
#define REAL_MAX HALF_MAX
#elif defined(STORAGE_HALF)
typedef half store_t;
typedef float real;
typedef float4 real4;
typedef float8 real8;
#define LOAD(p, i) vload_half((i), (p))
#define STORE(v, i, p) vstore_half_rte((v), (i), (p))
#define LOAD4(p, i) vload_half4(0, (p) + (i))
#define LOAD8(p, i) vload_half8(0, (p) + (i))
#define STORE4(v, i, p) vstore_half4_rte((v), 0, (p) + (i))
#define STORE8(v, i, p) vstore_half8_rte((v), 0, (p) + (i))
#define REAL_MAX FLT_MAX
#else
typedef float store_t;
typedef float real;
typedef float4 real4;
typedef float8 real8;
#define LOAD(p, i) ((p)[i])
#define STORE(v, i, p) ((p)[i] = (v))
#define LOAD4(p, i) vload4(0, (p) + (i))
#define LOAD8(p, i) vload8(0, (p) + (i))
#define STORE4(v, i, p) vstore4((v), 0, (p) + (i))
#define STORE8(v, i, p) vstore8((v), 0, (p) + (i))
#define REAL_MAX FLT_MAX
#endif

typedef float acc_t;        // accumulators of long reductions, whatever the precision
