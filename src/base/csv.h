/* SPDX-License-Identifier: MIT */
/*
 * csv.h: comma-separated lists of names (flags like --toolsets, tables of
 * allowed values).  Spaces and tabs around an item are trimmed and empty
 * items skipped; nothing is allocated.
 */
#ifndef IGMCP_CSV_H
#define IGMCP_CSV_H

#include <stddef.h>

/* Calls fn(item, len, arg) for each item of list (NULL is empty); stops at
 * the first non-zero return and returns it, else 0. */
int csv_each(const char *list,
             int (*fn)(const char *item, size_t len, void *arg), void *arg);
/* 1 when the name of len bytes is an item of list. */
int csv_has(const char *list, const char *name, size_t len);

#endif
