// Dropout at inference (and in training mode with ratio 0): y = x, and the optional mask all true.
// Roles (elementwise.h): A the data's type, B the mask's (bool from opset 10, the data's type before).
// Built with -DMASK when the node has a mask output; without it `mask` is not written.
#include "elementwise.h"

#ifdef FORM_DROPOUT
__kernel void dropout(__global const a_t *x, const int x_off, __global a_t *y, const int y_off,
                      __global b_t *mask, const int mask_off, const int n) {
    const int i = get_global_id(0) * VEC, end = min(i + VEC, n);
    for (int j = i; j < end; ++j) {
        STORE_A(LOAD_A(x, x_off + j), y_off + j, y);
#ifdef MASK
        STORE_B((b_c)1, mask_off + j, mask);
#endif
    }
}
#endif
