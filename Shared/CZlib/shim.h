#ifndef NETSIFT_CZLIB_SHIM_H
#define NETSIFT_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro Swift does not import.
static inline int netsift_inflate_init2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
