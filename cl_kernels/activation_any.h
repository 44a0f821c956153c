// Every fused activation of activation.h in one program, chosen at run time by its code (a
// kernel argument, ACTIVATION_CODES in gpu_infer/backends/opencl/execution.py; 0 for none). The
// GEMM and convolution programs are large: built once per activation they cost PoCL about 4 s
// each, cold, seven times per precision. The code is the same for every work-item.
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

// activate_by8(code, v, a, b): the activation of code `code` on eight values, the switch outside
// the lanes (the compiler vectorises each case; a switch per lane cost PoCL several times the
// whole epilogue).
#define EACH_LANE(f) for (int j = 0; j < 8; ++j) lanes[j] = f(lanes[j], a, b)
inline float8 activate_by8(const int code, const float8 v, const float a, const float b) {
    if (code == 0) return v;
    float lanes[8];
    vstore8(v, 0, lanes);
    switch (code) {
        case 1: EACH_LANE(activate_relu); break;
        case 2: EACH_LANE(activate_clip); break;
        case 3: EACH_LANE(activate_leaky_relu); break;
        case 4: EACH_LANE(activate_sigmoid); break;
        case 5: EACH_LANE(activate_hard_sigmoid); break;
        default: EACH_LANE(activate_hard_swish); break;
    }
    return vload8(0, lanes);
}
#undef EACH_LANE
