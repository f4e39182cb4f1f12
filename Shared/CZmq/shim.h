#ifndef NETSIFT_CZMQ_SHIM_H
#define NETSIFT_CZMQ_SHIM_H
#include <errno.h>
#include <zmq.h>

// libzmq's own error numbers are macro expressions Swift does not import.
static inline int netsift_zmq_eterm(void) { return ETERM; }
static inline int netsift_zmq_efsm(void) { return EFSM; }
static inline int netsift_zmq_enocompatproto(void) { return ENOCOMPATPROTO; }
static inline int netsift_zmq_emthread(void) { return EMTHREAD; }
#endif
