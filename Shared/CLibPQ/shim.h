#ifndef NETSIFT_CLIBPQ_SHIM_H
#define NETSIFT_CLIBPQ_SHIM_H
/* Debian's libpq-dev puts libpq-fe.h in /usr/include/postgresql. */
#include <postgresql/libpq-fe.h>
#endif
