/* SPDX-License-Identifier: MIT */
/*
 * watch.h: who wants to hear that the inbox changed.  Whatever commits new
 * inbox data (the webhook receiver, a sync, a send recorded locally)
 * publishes, after its COMMIT, one notice per conversation it touched;
 * watchers (an MCP session with resource subscriptions) receive it.  The
 * registry is process-wide and thread-safe.
 *
 * A watcher's fn runs on the publisher's thread with the registry's lock
 * held for reading: it must be quick (queue, don't block), must not call
 * store_watch_add or store_watch_remove, and nobody may call
 * store_watch_remove while holding a lock that fn takes.
 */
#ifndef IGMCP_STORE_WATCH_H
#define IGMCP_STORE_WATCH_H

/* account_id: our numeric IG account id; user_id: the other party of the
 * conversation (an IGSID), or the comment author; kind: the event kind
 * that changed it ("message", "edit", "comment", ..., or "sync"). */
typedef void (*store_watch_fn)(void *arg, const char *account_id,
                               const char *user_id, const char *kind);

/* Registers fn; returns a handle > 0 for store_watch_remove, or -1 when
 * the table is full. */
int store_watch_add(store_watch_fn fn, void *arg);
/* Unregisters; once it returns fn is not running and never runs again. */
void store_watch_remove(int handle);
/* Tells every watcher. */
void store_watch_publish(const char *account_id, const char *user_id,
                         const char *kind);
/* Number of watchers (tests). */
int store_watch_count(void);

#endif
