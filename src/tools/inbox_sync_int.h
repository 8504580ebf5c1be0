/* SPDX-License-Identifier: MIT */
/*
 * inbox_sync_int.h: the backfill engine (inbox_sync_ops.c) that both the
 * tool ig_sync_inbox (inbox_sync.c) and `igmcp sync` run.  See
 * docs/internals/sync.md.
 */
#ifndef IGMCP_TOOLS_INBOX_SYNC_INT_H
#define IGMCP_TOOLS_INBOX_SYNC_INT_H

#include <stdint.h>

#include "tools/tool.h"

/* Conversations per listing page, and messages per conversation inlined
 * in it by field expansion (Meta details only the newest 20 anyway). */
#define SYNC_PAGE_SIZE 25
#define SYNC_INLINE_MESSAGES 20
/* Messages per page of GET /{conversation}/messages. */
#define SYNC_MESSAGES_PAGE 100

struct sync_opts {
  int full;           /* ignore stored updated_time: pull everything */
  int restart;        /* drop the resume cursor first */
  long max;           /* conversations to pull this run; 0: no limit */
  const char *folder; /* inbox (NULL), other, spam */
  int64_t since_ms;   /* only conversations updated since; 0: all */
};

/*
 * Pulls the account's conversations and their messages into c->store (see
 * the file comment of inbox_sync_ops.c).  Returns 0 with r set to the
 * summary, or -1 with r set to the error.
 */
int inbox_sync_run(struct call *c, struct result *r,
                   const struct sync_opts *o);

#endif
