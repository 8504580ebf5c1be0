/* SPDX-License-Identifier: MIT */
/*
 * store_int.h: what store.c needs from the backends.  Only store.c picks a
 * backend; callers use store_open.
 */
#ifndef IGMCP_STORE_INT_H
#define IGMCP_STORE_INT_H

#include "store/store.h"

/* The SQLite backend (store_sqlite.c).  Returns NULL and fills e. */
struct store *store_sqlite_open(const char *path, struct err *e);

#endif
