#version 450
// Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and dilation 1, as cl_kernels/winograd.cl:
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A   per 2x2 output tile, d its 4x4 input tile;
// the weights' transform G g G^T is done once on the host (gemm_common.winograd_weights), the sums
// over input channels are 16 GEMMs (gemm.comp), one per position p of the 4x4.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]     A^T = [1 1 1 0; 0 1 -1 -1]
// Layouts: V[b*16 + p][c][t] and the products P[b*16 + p][m][t], t = ty * TW + tx.
// One define per shader:
//   INPUT   an invocation transforms one input tile. Bindings: 0 x, 1 V.
//   OUTPUT  an invocation transforms one tile back, adds the bias and applies the fused
//           activation. Bindings: 0 P, 1 bias (ignored unless has_bias), 2 y.
// Inputs are read through texel.glsl (texel buffers in the .tx variants).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "precision.glsl"
#include "types.glsl"
#include "activation.glsl"
#include "texel.glsl"

LOCAL_SIZE_LAYOUT;
#if defined(INPUT)
READ_BUFFER(0, x);
layout(std430, binding = 1) writeonly buffer V { store_t v[]; };
layout(push_constant) uniform Params { int C, H, W, TH, TW, pad_top, pad_left, total; } p;

// B^T u of four values
vec4 input_1d(const vec4 u) { return vec4(u[0] - u[2], u[1] + u[2], u[2] - u[1], u[1] - u[3]); }

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int tx = i % p.TW, ty = (i / p.TW) % p.TH, bc = i / (p.TW * p.TH);
    const int b = bc / p.C, c = bc - b * p.C;
    const int h0 = 2 * ty - p.pad_top, w0 = 2 * tx - p.pad_left, xc = bc * p.H * p.W;
    vec4 rows[4];                                           // B^T applied along each row of d
    [[unroll]] for (int r = 0; r < 4; ++r) {
        vec4 d = vec4(0.0);
        const int h = h0 + r;
        if (h >= 0 && h < p.H) {
            [[unroll]] for (int j = 0; j < 4; ++j) {
                const int w = w0 + j;
                if (w >= 0 && w < p.W) d[j] = FETCH(x, xc + h * p.W + w);
            }
        }
        rows[r] = input_1d(d);
    }
    const int T = p.TH * p.TW;
    const int out0 = (b * 16 * p.C + c) * T + ty * p.TW + tx;
    [[unroll]] for (int j = 0; j < 4; ++j) {                // then down each column
        const vec4 col = input_1d(vec4(rows[0][j], rows[1][j], rows[2][j], rows[3][j]));
        [[unroll]] for (int r = 0; r < 4; ++r) v[out0 + (r * 4 + j) * p.C * T] = store_t(col[r]);
    }
}
#elif defined(OUTPUT)
READ_BUFFER(0, prod);
READ_BUFFER(1, bias);
layout(std430, binding = 2) writeonly buffer Y { store_t y[]; };
layout(push_constant) uniform Params {
    int M, OH, OW, TH, TW, has_bias, total, act;
    float act_a, act_b;
} p;

// A^T u of four values: two
vec2 output_1d(const vec4 u) { return vec2(u[0] + u[1] + u[2], u[1] - u[2] - u[3]); }

void main() {
    const int i = INVOCATION_INDEX;
    if (i >= p.total) return;
    const int tx = i % p.TW, ty = (i / p.TW) % p.TH, bm = i / (p.TW * p.TH);
    const int b = bm / p.M, m = bm - b * p.M;
    const int T = p.TH * p.TW;
    const int src = (b * 16 * p.M + m) * T + ty * p.TW + tx;
    vec4 e[4];                                              // e[r][j]: position (r, j) of the 4x4
    [[unroll]] for (int r = 0; r < 4; ++r) {
        [[unroll]] for (int j = 0; j < 4; ++j) e[r][j] = FETCH(prod, src + (r * 4 + j) * p.M * T);
    }
    vec2 cols[4];                                           // A^T down each column
    [[unroll]] for (int j = 0; j < 4; ++j) cols[j] = output_1d(vec4(e[0][j], e[1][j], e[2][j], e[3][j]));
    const float add = p.has_bias != 0 ? FETCH(bias, m) : 0.0;
    [[unroll]] for (int r = 0; r < 2; ++r) {                // then along the rows: output row 2*ty + r
        const int h = 2 * ty + r;
        const vec2 o = output_1d(vec4(cols[0][r], cols[1][r], cols[2][r], cols[3][r])) + add;
        [[unroll]] for (int j = 0; j < 2; ++j) {
            const int w = 2 * tx + j;
            if (h < p.OH && w < p.OW) y[(bm * p.OH + h) * p.OW + w] = store_t(activate(p.act, o[j], p.act_a, p.act_b));
        }
    }
}
#endif
