// The activation fused into a producer's epilogue (Conv, ConvTranspose, Gemm, ...), chosen at
// build time by -DACTIVATION=<code>; its two parameters are kernel arguments, so one program
// serves every Clip bound or LeakyRelu slope:
//   0 none   1 Relu   2 Clip (a = min, b = max)   3 LeakyRelu (a = alpha)   4 Sigmoid
//   5 HardSigmoid (a = alpha, b = beta)   6 HardSwish
// (gpu_infer/backends/opencl/execution.py: ACTIVATION_CODES). Computed in float: it is one
// operation per output, and half arithmetic saves nothing there.
#ifndef ACTIVATION
#define ACTIVATION 0
#endif

inline float activate(const float v, const float a, const float b) {
#if ACTIVATION == 1
    return isnan(v) ? v : fmax(v, 0.0f);
#elif ACTIVATION == 2
    return isnan(v) ? v : fmin(fmax(v, a), b);
#elif ACTIVATION == 3
    return v >= 0.0f ? v : v * a;
#elif ACTIVATION == 4
    return 1.0f / (1.0f + exp(-v));
#elif ACTIVATION == 5
    return isnan(v) ? v : fmin(fmax(a * v + b, 0.0f), 1.0f);
#elif ACTIVATION == 6
    return v * fmin(fmax(v / 6.0f + 0.5f, 0.0f), 1.0f);         // (NaN stays NaN)
#else
    return v;
#endif
}
