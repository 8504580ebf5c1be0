/* SPDX-License-Identifier: MIT */
/*
 * pool.h: a fixed set of worker threads running queued tasks in order.
 * One pool serves every MCP session of an HTTP server (and the only one
 * of a stdio server), so a thousand sessions cost a thousand queue
 * entries at most, not a thousand threads.
 */
#ifndef IGMCP_POOL_H
#define IGMCP_POOL_H

typedef void (*pool_fn)(void *arg);

struct pool;

/* Starts n threads (n <= 0 means 4); exits the process when the system
 * cannot start one, as a server without workers cannot serve. */
struct pool *pool_new(int n);
/* Queues fn(arg); tasks start in the order they were queued. */
void pool_submit(struct pool *p, pool_fn fn, void *arg);
/* Takes a queued, not yet started task out of the queue: 1 when it was
 * there (it will never run), 0 when it has started or never was. */
int pool_remove(struct pool *p, pool_fn fn, void *arg);
/* Runs what is queued, then joins the threads and frees the pool. */
void pool_free(struct pool *p);

#endif
