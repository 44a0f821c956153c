// Gather with indices read on the device (gpu_infer/backends/gather_exec.py): ONNX Gather on
// any axis, the data viewed as (outer, n, inner), the output as (outer, count, inner) where
// count is the number of indices. Work item o copies one output element:
//   out[o] = data[(a * n + wrap(indices[j])) * inner + c],  o = (a * count + j) * inner + c
// Negative indices count from the end. An index outside [-n, n) is an error in ONNX: the
// item writes zero bits and lowers `error[0]` to j (atomic_min), so after the run the host
// finds the first bad position (the host sets error[0] to 0xFFFFFFFF before each run).
//
// Build options:
//   -DELEM_BYTES=1|2|4|8   the data's element size: a bit copy (fp16 storage is 2-byte elements)
//   -DINDEX_INT64          int64 indices (default int32)
// `*_base`: element offsets of the tensors inside their buffers (an arena).

#include "bit_copy.h"

#ifdef INDEX_INT64
typedef long index_t;
#else
typedef int index_t;
#endif

__kernel void gather(__global const elem_t *data, const int data_base,
                     __global const index_t *indices, const int indices_base,
                     __global elem_t *out, const int out_base,
                     volatile __global uint *error,
                     const int n, const int inner, const int count, const int total) {
    const int o = get_global_id(0);
    if (o >= total) return;
    const int c = o % inner;
    const int t = o / inner;
    const int j = t % count;
    const int a = t / count;
    long k = (long)indices[indices_base + j];
    if (k < 0) k += n;
    if (k < 0 || k >= n) {
        atomic_min(error, (uint)j);
        out[out_base + o] = (elem_t)0;
        return;
    }
    out[out_base + o] = data[data_base + (a * n + (int)k) * inner + c];
}
