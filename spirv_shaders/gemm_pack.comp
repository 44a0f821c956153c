#version 450
// dst[z][g][row block][k][TM] = source row g*Mg + row, column k (zeros past Mg), where source
// element (g, row, k) sits at g*gs + row*rs + (k % C)*cs + (k / C)*ts: a runtime A operand
// (MatMul, Gemm with transA) or convolution weights (k = tap * C + channel) packed as gemm.comp
// reads A, as cl_kernels/gemm.cl's pack_rows. With TM = 1 a plain strided 2-D copy (a transposed
// B operand). Invocation: the TM values of one column k of one row block.
// Bindings: 0 source (read through texel.glsl), 1 destination.
#extension GL_GOOGLE_include_directive : require
#include "precision.glsl"
#include "texel.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
READ_BUFFER(0, src);
layout(std430, binding = 1) writeonly buffer Dst { store_t dst[]; };
layout(push_constant) uniform Params {
    int src_zs, dst_zs, TM, C, K, Mg, MBg, G, gs, rs, cs, ts;
} p;

void main() {
    const int k = int(gl_GlobalInvocationID.x);
    const int gm = int(gl_GlobalInvocationID.y);
    const int z = int(gl_GlobalInvocationID.z);
    if (k >= p.K || gm >= p.G * p.MBg) return;
    const int g = gm / p.MBg, row0 = (gm - g * p.MBg) * p.TM;
    const int from = z * p.src_zs + g * p.gs + row0 * p.rs + (k % p.C) * p.cs + (k / p.C) * p.ts;
    const int o = z * p.dst_zs + (gm * p.K + k) * p.TM;
    for (int i = 0; i < p.TM; ++i) dst[o + i] = store_t(row0 + i < p.Mg ? FETCH(src, from + i * p.rs) : 0.0);
}
