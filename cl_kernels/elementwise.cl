// Elementwise kernels: Relu and broadcasting binary ops.
//
// One source, three precisions chosen by build options:
//   (none)          float buffers, float arithmetic
//   -DSTORAGE_HALF  half buffers read/written with vload_half/vstore_half (core OpenCL,
//                   no cl_khr_fp16 needed), float arithmetic
//   -DCOMPUTE_HALF  half buffers and half arithmetic (needs cl_khr_fp16)
// Binary ops pick their operator with -DOP_ADD (more later).
// Every buffer argument comes with an element offset into it (tensors share an arena).

#if defined(COMPUTE_HALF)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
typedef half store_t;
typedef half real;
#define LOAD(p, i) ((p)[i])
#define STORE(v, i, p) ((p)[i] = (v))
#elif defined(STORAGE_HALF)
typedef half store_t;
typedef float real;
#define LOAD(p, i) vload_half((i), (p))
#define STORE(v, i, p) vstore_half((v), (i), (p))
#else
typedef float store_t;
typedef float real;
#define LOAD(p, i) ((p)[i])
#define STORE(v, i, p) ((p)[i] = (v))
#endif

#if defined(OP_ADD)
#define BINARY(a, b) ((a) + (b))
#endif

#define MAX_RANK 6

// Relu keeps NaN (ONNX's max(0, x), NumPy) and maps -0.0 to +0.0 (as onnx's reference and the
// CPU backend do; the spec leaves the sign open).
__kernel void relu(__global const store_t *x, const int x_off,
                   __global store_t *y, const int y_off, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const real v = LOAD(x, x_off + i);
    STORE(v > (real)0 || isnan(v) ? v : (real)0, y_off + i, y);
}

#ifdef BINARY
// table: output dims [0, 6), a's strides [6, 12), b's strides [12, 18); stride 0 = broadcast
__kernel void binary(__global const store_t *a, const int a_off,
                     __global const store_t *b, const int b_off,
                     __global store_t *y, const int y_off,
                     __global const int *table, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    int rest = i, ia = 0, ib = 0;
    for (int k = MAX_RANK - 1; k >= 0; --k) {
        const int d = table[k];
        const int c = rest % d;
        rest /= d;
        ia += c * table[MAX_RANK + k];
        ib += c * table[2 * MAX_RANK + k];
    }
    const real va = LOAD(a, a_off + ia);
    const real vb = LOAD(b, b_off + ib);
    STORE(BINARY(va, vb), y_off + i, y);
}
#endif
