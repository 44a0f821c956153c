// Element types by role, for shaders whose tensors are not only float32 (elementwise ops, Cast):
// spirv_shaders/compile.py's role(R, code) defines, per role R (A, B, ...):
//   R_T     the stored type (float, float16_t, double, int8_t .. uint64_t; bool as uint8_t 0 / 1)
//   R_C     the arithmetic type (float for half storage at fp16-storage; int / uint for 8- and
//           16-bit integers, which are widened on load and wrap when stored)
//   R_FLOAT | R_SIGNED | R_UNSIGNED | R_BOOL      its kind;  R_BITS  the arithmetic width
// The extensions below only make the types nameable: glslc emits a capability (StorageBuffer8/
// 16BitAccess, Float16, Int64, Float64) only where a variant uses the type, and the runtime
// enables the matching device feature only where the device has it.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types : require

// NaN and the sign bit tested on the bits: without the SignedZeroInfNanPreserve execution mode
// a Vulkan compiler may assume there is no NaN (isnan(x) folded to false, max(NaN, 0) any answer).
bool is_nan(const float v) { return (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u; }
bool is_nan(const double v) {
    const uvec2 w = unpackDouble2x32(v);
    return (w.y & 0x7fffffffu) > 0x7ff00000u || ((w.y & 0x7fffffffu) == 0x7ff00000u && w.x != 0u);
}
bool is_nan(const float16_t v) { return is_nan(float(v)); }
bool sign_bit(const float v) { return floatBitsToUint(v) >= 0x80000000u; }
bool sign_bit(const double v) { return unpackDouble2x32(v).y >= 0x80000000u; }
bool sign_bit(const float16_t v) { return sign_bit(float(v)); }
