#version 450
// Resize and Upsample, gpu_infer/backends/vulkan/ops/resize.py, as cl_kernels/resize.cl.
//
// The output is seen as (lead, OH, OW): its last two axes and everything before them
// flattened. The host computed, once, the taps each output index of the three parts reads
// (gpu_infer/backends/poolnorm/resample.py): an input element offset (lead: of the leading
// axes' position; rows: ih * W; cols: iw) and a weight. They lie in one int table (weights as
// float bits), a section per part, tap-major:
//   offsets[t * n + o] (n * taps of them), then weights[t * n + o]   (n: the part's size)
// An offset of -1 (in tap 0) marks a coordinate outside the input (tf_crop_and_resize): the
// output there is `extrapolation`. Output (q, oh, ow) = sum over the taps of the three parts of
// w_lead * w_row * w_col * x[off_lead + off_row + off_col]. An invocation per output.
// Variants: NEAREST (one tap per part, no weights; any element type, reduction.glsl) or the
// weighed taps (linear, cubic, antialiased: float data, summed in float).
// Bindings: 0 input, 1 output, 2 table. Push constants: Params (40 bytes).
#extension GL_GOOGLE_include_directive : require
#include "reduction.glsl"

LOCAL_SIZE_LAYOUT;
layout(std430, binding = 0) readonly buffer Src { mem_t src[]; };
layout(std430, binding = 1) writeonly buffer Dst { mem_t dst[]; };
layout(std430, binding = 2) readonly buffer Table { int table[]; };
layout(push_constant) uniform Params { int size[3], taps[3], section[3]; float extrapolation; } p;

// tap t's offset and weight of output index o of part k
int offset_of(const int k, const int t, const int o) { return table[p.section[k] + t * p.size[k] + o]; }
float weight_of(const int k, const int t, const int o) {
    return intBitsToFloat(table[p.section[k] + (p.taps[k] + t) * p.size[k] + o]);
}

void main() {
    const int o = INVOCATION_INDEX;
    if (o >= p.size[0] * p.size[1] * p.size[2]) return;
    const int ow = o % p.size[2], oh = (o / p.size[2]) % p.size[1], q = o / (p.size[2] * p.size[1]);
    if (offset_of(0, 0, q) < 0 || offset_of(1, 0, oh) < 0 || offset_of(2, 0, ow) < 0) {
        STOREV(dst, o, val_t(p.extrapolation));
        return;
    }
#ifdef NEAREST
    STOREV(dst, o, LOADV(src, offset_of(0, 0, q) + offset_of(1, 0, oh) + offset_of(2, 0, ow)));
#else
    float acc = 0.0;
    for (int i = 0; i < p.taps[0]; ++i) {
        const float wl = weight_of(0, i, q);
        for (int j = 0; j < p.taps[1]; ++j) {
            const float w = wl * weight_of(1, j, oh);
            const int base = offset_of(0, i, q) + offset_of(1, j, oh);
            float line = 0.0;
            for (int k = 0; k < p.taps[2]; ++k)
                line += weight_of(2, k, ow) * LOADV(src, base + max(offset_of(2, k, ow), 0));
            acc += w * line;
        }
    }
    STOREV(dst, o, acc);
#endif
}
