// elem_t: an unsigned integer of ELEM_BYTES bytes (-DELEM_BYTES=1|2|4|8), for kernels that
// move elements as bits whatever their type (fp16 storage is 2-byte elements). Included by
// the kernels that copy (gpu_infer's kernel_source inlines it, so the program text is whole).
#if ELEM_BYTES == 1
typedef uchar elem_t;
#elif ELEM_BYTES == 2
typedef ushort elem_t;
#elif ELEM_BYTES == 4
typedef uint elem_t;
#elif ELEM_BYTES == 8
typedef ulong elem_t;
#else
#error "build with -DELEM_BYTES=1|2|4|8"
#endif
