// The GEMM core of Gemm, MatMul, Conv (pointwise, direct over padded planes, Winograd's
// products) and ConvTranspose: gemm_tile.h instantiated per tile shape (rows x columns per
// work-item, measured on PoCL: see gpu_infer/backends/opencl/ops/gemm_core.py), and the kernel
// that packs a runtime operand the way the tiles read A. A program holds the one kernel named by
// -DKERNEL_<name> (gemm_core.py's ONE_KERNEL_FAMILIES).
#include "precision.h"
#include "float_io.h"
#include "activation_any.h"

#ifdef KERNEL_gemm_6x16
#define NAME gemm_6x16
#define TM 6
#define NV 2
#include "gemm_tile.h"
#endif

#ifdef KERNEL_gemm_4x16
#define NAME gemm_4x16
#define TM 4
#define NV 2
#include "gemm_tile.h"
#endif

#ifdef KERNEL_gemm_8x8
#define NAME gemm_8x8
#define TM 8
#define NV 1
#include "gemm_tile.h"
#endif

#ifdef KERNEL_pack_rows
// dst[z][g][row block][k][TM] = source row g*Mg + row, column k (zeros past Mg), where source
// element (g, row, k) sits at g*gs + row*rs + (k % C)*cs + (k / C)*ts: a runtime A operand
// (MatMul, Gemm with transA) or convolution weights (k = tap * C + channel) packed as the tiles
// read them. With TM = 1 it is a plain strided 2-D copy (a transposed B operand).
// Work-item: the TM values of one column k of one row block.
__kernel void pack_rows(__global const store_t *src, const int src_base, const int src_zs,
                        __global store_t *dst, const int dst_base, const int dst_zs,
                        const int TM, const int C, const int K, const int Mg, const int MBg, const int G,
                        const int gs, const int rs, const int cs, const int ts) {
    const int k = get_global_id(0);
    const int gm = get_global_id(1);
    const int z = get_global_id(2);
    if (k >= K || gm >= G * MBg) return;
    const int g = gm / MBg, row0 = (gm - g * MBg) * TM;
    __global const store_t *from = src + src_base + z * src_zs + g * gs + row0 * rs + (k % C) * cs + (k / C) * ts;
    const int o = dst_base + z * dst_zs + (gm * K + k) * TM;
    for (int i = 0; i < TM; ++i) STORE(row0 + i < Mg ? LOAD(from, i * rs) : (real)0, o + i, dst);
}
#endif
