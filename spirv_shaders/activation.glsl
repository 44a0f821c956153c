// The activation fused into a producer's epilogue (Conv, ConvTranspose, Gemm, ...), as
// cl_kernels/activation_any.h: chosen by `code`, a push constant (gpu_infer/backends/vulkan/
// execution.py: ACTIVATION_CODES), with its two parameters, so one pipeline serves every
// activation, Clip bound and LeakyRelu slope. The code is the same for every invocation.
//   0 none   1 Relu   2 Clip (a = min, b = max)   3 LeakyRelu (a = alpha)   4 Sigmoid
//   5 HardSigmoid (a = alpha, b = beta)   6 HardSwish
// Computed in float; NaN stays NaN (tested on the bits: types.glsl's is_nan).
// Needs types.glsl (or its is_nan) included first.
float activate(const int code, const float v, const float a, const float b) {
    if (code == 0 || is_nan(v)) return v;
    switch (code) {
        case 1: return v > 0.0 ? v : 0.0;
        case 2: return min(max(v, a), b);
        case 3: return v >= 0.0 ? v : v * a;
        case 4: return 1.0 / (1.0 + exp(-v));
        case 5: return min(max(a * v + b, 0.0), 1.0);
        default: return v * min(max(v / 6.0 + 0.5, 0.0), 1.0);
    }
}
