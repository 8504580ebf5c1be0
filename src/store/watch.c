/* SPDX-License-Identifier: MIT */
/* watch.c: the inbox change registry (watch.h). */
#include "store/watch.h"

#include <pthread.h>
#include <stddef.h>

#define WATCH_MAX 1024

struct watcher {
  int handle; /* 0: free slot */
  store_watch_fn fn;
  void *arg;
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct watcher table[WATCH_MAX];
static int next_handle = 1;
static int count;

int
store_watch_add(store_watch_fn fn, void *arg)
{
  int h = -1;

  if (fn == NULL)
    return -1;
  pthread_rwlock_wrlock(&lock);
  for (size_t i = 0; i < WATCH_MAX; i++) {
    if (table[i].handle == 0) {
      h = next_handle++;
      if (next_handle <= 0)
        next_handle = 1;
      table[i].handle = h;
      table[i].fn = fn;
      table[i].arg = arg;
      count++;
      break;
    }
  }
  pthread_rwlock_unlock(&lock);
  return h;
}

void
store_watch_remove(int handle)
{
  if (handle <= 0)
    return;
  pthread_rwlock_wrlock(&lock);
  for (size_t i = 0; i < WATCH_MAX; i++) {
    if (table[i].handle == handle) {
      table[i].handle = 0;
      table[i].fn = NULL;
      table[i].arg = NULL;
      count--;
      break;
    }
  }
  pthread_rwlock_unlock(&lock);
}

void
store_watch_publish(const char *account_id, const char *user_id,
                    const char *kind)
{
  pthread_rwlock_rdlock(&lock);
  for (size_t i = 0; i < WATCH_MAX && count > 0; i++)
    if (table[i].handle != 0)
      table[i].fn(table[i].arg, account_id, user_id, kind);
  pthread_rwlock_unlock(&lock);
}

int
store_watch_count(void)
{
  int n;

  pthread_rwlock_rdlock(&lock);
  n = count;
  pthread_rwlock_unlock(&lock);
  return n;
}
