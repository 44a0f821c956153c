// Float views of store_t buffers at every precision level, for kernels that compute in float
// whatever the storage (GEMM, convolutions: long sums accumulate in float, see precision.h).
// Half buffers (fp16-storage and fp16-arith alike) go through vload_half / vstore_half_rte.
//   LOADF(p, i)  LOADF4(p, i)  LOADF8(p, i)      element(s) from index i, as float / float4 / float8
//   STOREF(v, i, p)  STOREF4(v, i, p)  STOREF8(v, i, p)     float / float4 / float8 stored from index i
#if defined(STORAGE_HALF) || defined(COMPUTE_HALF)
#define LOADF(p, i) vload_half((i), (p))
#define LOADF4(p, i) vload_half4(0, (p) + (i))
#define LOADF8(p, i) vload_half8(0, (p) + (i))
#define STOREF(v, i, p) vstore_half_rte((v), (i), (p))
#define STOREF4(v, i, p) vstore_half4_rte((v), 0, (p) + (i))
#define STOREF8(v, i, p) vstore_half8_rte((v), 0, (p) + (i))
#else
#define LOADF(p, i) ((p)[i])
#define LOADF4(p, i) vload4(0, (p) + (i))
#define LOADF8(p, i) vload8(0, (p) + (i))
#define STOREF(v, i, p) ((p)[i] = (v))
#define STOREF4(v, i, p) vstore4((v), 0, (p) + (i))
#define STOREF8(v, i, p) vstore8((v), 0, (p) + (i))
#endif
