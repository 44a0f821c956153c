// One register-blocked GEMM kernel, included by gemm.cl once per tile shape with NAME (the
// kernel's name), TM (output rows per work-item) and NV (float8 vectors per row: TN = 8 * NV
// consecutive output columns per work-item) defined.
//
//   y[ch][n] = act(alpha * sum over taps t and rows c of A[ch][t][c] * B[c][taps[t] + n] + beta * C[ch][n])
//
// A: packed once, [group][row block][t][c][TM] (rows past a group's Mg are zeros), so a
//    work-item reads its TM weights of one (t, c) step as consecutive values.
// B: rows `b_cstride` elements apart (input channels, or the K rows of a plain matrix), read
//    along n shifted by the tap's offset: a convolution over padded, phase-split planes is this
//    same product (taps = {0} for a plain GEMM). A group g reads rows [g*C, (g+1)*C).
// batches: per grid z, the element offsets of A, B and y (batched and broadcast products,
//    groups of Winograd positions).
// Tiles whose reads all stay below `n_safe` load whole vectors; the others load lane by lane,
//    columns past N as zeros. The sums accumulate in float at every precision.
// Output: column n is element (row d, h, w) of a plane P wide and PH high (n = (d*PH + h)*P + w);
//    those with w < OW and h < OH are stored at (d*OH + h)*OW + w of channel ch (rows y_mstride
//    apart). A plain matrix has P = OW = N and PH = OH = 1.

__kernel void NAME(__global const store_t *a, const int a_base,
                   __global const store_t *b, const int b_base, const int b_cstride,
                   __global const int *batches, __global const int *taps, const int n_taps,
                   const int C, const int G, const int MBg, const int Mg, const int N, const int n_safe,
                   __global store_t *y, const int y_base, const int y_mstride,
                   const int P, const int OW, const int PH, const int OH,
                   const float alpha, __global const store_t *c, const int c_base, const int has_c,
                   const int c_ms, const int c_ns, const float beta, const int act, const float act_a,
                   const float act_b) {
    const int n0 = get_global_id(0) * (8 * NV);
    const int gm = get_global_id(1);
    const int z = get_global_id(2);
    const int g = gm / MBg;
    if (n0 >= N || g >= G) return;
    const int mb = gm - g * MBg;
    __global const store_t *ap = a + a_base + batches[3 * z] + gm * (n_taps * C * TM);
    __global const store_t *bz = b + b_base + batches[3 * z + 1] + g * C * b_cstride + n0;

    float8 acc[TM][NV];
    #pragma unroll
    for (int i = 0; i < TM; ++i) {
        #pragma unroll
        for (int v = 0; v < NV; ++v) acc[i][v] = (float8)(0.0f);
    }
    if (n0 + 8 * NV <= n_safe) {
        for (int t = 0; t < n_taps; ++t) {
            __global const store_t *bp = bz + taps[t];
            for (int k = 0; k < C; ++k) {
                float8 bv[NV];
                #pragma unroll
                for (int v = 0; v < NV; ++v) bv[v] = LOADF8(bp, 8 * v);
                #pragma unroll
                for (int i = 0; i < TM; ++i) {
                    const float8 av = (float8)(LOADF(ap, i));
                    #pragma unroll
                    for (int v = 0; v < NV; ++v) acc[i][v] = fma(av, bv[v], acc[i][v]);
                }
                ap += TM;
                bp += b_cstride;
            }
        }
    } else {
        const int live = N - n0;                       // columns of this tile inside the output
        for (int t = 0; t < n_taps; ++t) {
            __global const store_t *bp = bz + taps[t];
            for (int k = 0; k < C; ++k) {
                float lanes[8 * NV];
                #pragma unroll
                for (int j = 0; j < 8 * NV; ++j) lanes[j] = j < live ? LOADF(bp, j) : 0.0f;
                #pragma unroll
                for (int i = 0; i < TM; ++i) {
                    const float8 av = (float8)(LOADF(ap, i));
                    #pragma unroll
                    for (int v = 0; v < NV; ++v) acc[i][v] = fma(av, vload8(v, lanes), acc[i][v]);
                }
                ap += TM;
                bp += b_cstride;
            }
        }
    }

    // where each column of the tile is stored (-1: not stored), stepped without divisions; a tile
    // inside one output row (most of them) stores whole vectors from `start`
    int dst[8 * NV];
    int start = n0, straight = P == OW && PH == OH && n0 + 8 * NV <= N;
    if (!straight) {
        const int first_row = n0 / P;
        int w = n0 - first_row * P, d = first_row / PH, h = first_row - d * PH;
        start = (d * OH + h) * OW + w;
        straight = w + 8 * NV <= OW && h < OH && n0 + 8 * NV <= N;
        #pragma unroll
        for (int j = 0; j < 8 * NV; ++j) {
            dst[j] = n0 + j < N && w < OW && h < OH ? (d * OH + h) * OW + w : -1;
            if (++w == P) {
                w = 0;
                if (++h == PH) { h = 0; ++d; }
            }
        }
    }
    __global store_t *yz = y + y_base + batches[3 * z + 2];
    #pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int m = mb * TM + i;
        if (m >= Mg) break;
        const int ch = g * Mg + m;
        float8 o[NV];
        #pragma unroll
        for (int v = 0; v < NV; ++v) o[v] = acc[i][v] * alpha;
        if (has_c && c_ns == 0) {                         // a bias per row
            const float cv = beta * LOADF(c, c_base + ch * c_ms);
            #pragma unroll
            for (int v = 0; v < NV; ++v) o[v] += cv;
        } else if (has_c) {
            float cl[8 * NV];
            #pragma unroll
            for (int j = 0; j < 8 * NV; ++j) cl[j] = beta * LOADF(c, c_base + ch * c_ms + min(n0 + j, N - 1) * c_ns);
            #pragma unroll
            for (int v = 0; v < NV; ++v) o[v] += vload8(v, cl);
        }
        #pragma unroll
        for (int v = 0; v < NV; ++v) o[v] = activate_by8(act, o[v], act_a, act_b);
        __global store_t *yc = yz + ch * y_mstride;
        if (straight) {
            #pragma unroll
            for (int v = 0; v < NV; ++v) STOREF8(o[v], start + 8 * v, yc);
        } else {
            float out[8 * NV];
            #pragma unroll
            for (int v = 0; v < NV; ++v) vstore8(o[v], v, out);
            #pragma unroll
            for (int j = 0; j < 8 * NV; ++j) {
                if (dst[j] >= 0) STOREF(out[j], dst[j], yc);
            }
        }
    }
}
