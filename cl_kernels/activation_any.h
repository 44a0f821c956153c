// Every fused activation of activation.h in one program, chosen at run time by its code (a
// kernel argument, ACTIVATION_CODES in gpu_infer/backends/opencl/execution.py; 0 for none). The
// GEMM and convolution programs are large: built once per activation they cost PoCL about 4 s
// each, cold, seven times per precision. The code is the same for every work-item, so the
// switch costs a predicted branch per output.
#define activate activate_relu
#define ACTIVATION 1
#include "activation.h"
#undef ACTIVATION
#undef activate

#define activate activate_clip
#define ACTIVATION 2
#include "activation.h"
#undef ACTIVATION
#undef activate

#define activate activate_leaky_relu
#define ACTIVATION 3
#include "activation.h"
#undef ACTIVATION
#undef activate

#define activate activate_sigmoid
#define ACTIVATION 4
#include "activation.h"
#undef ACTIVATION
#undef activate

#define activate activate_hard_sigmoid
#define ACTIVATION 5
#include "activation.h"
#undef ACTIVATION
#undef activate

#define activate activate_hard_swish
#define ACTIVATION 6
#include "activation.h"
#undef ACTIVATION
#undef activate

inline float activate_by(const int code, const float v, const float a, const float b) {
    switch (code) {
        case 1: return activate_relu(v, a, b);
        case 2: return activate_clip(v, a, b);
        case 3: return activate_leaky_relu(v, a, b);
        case 4: return activate_sigmoid(v, a, b);
        case 5: return activate_hard_sigmoid(v, a, b);
        case 6: return activate_hard_swish(v, a, b);
        default: return v;
    }
}
