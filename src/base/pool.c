/* SPDX-License-Identifier: MIT */
/*
 * pool.c: worker threads over one FIFO queue guarded by one mutex.  The
 * queue is a singly linked list with a tail pointer; a task costs one
 * small allocation.
 */
#include "base/pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/xalloc.h"

struct task {
  struct task *next;
  pool_fn fn;
  void *arg;
};

struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;   /* a task was queued, or the pool is closing */
  struct task *head, *tail;
  pthread_t *threads;
  int n;
  int closing;
};

static void *
pool_main(void *arg)
{
  struct pool *p = arg;

  for (;;) {
    struct task *t;

    pthread_mutex_lock(&p->mu);
    while (p->head == NULL && !p->closing)
      pthread_cond_wait(&p->cv, &p->mu);
    t = p->head;
    if (t == NULL) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    p->head = t->next;
    if (p->head == NULL)
      p->tail = NULL;
    pthread_mutex_unlock(&p->mu);
    t->fn(t->arg);
    free(t);
  }
}

struct pool *
pool_new(int n)
{
  struct pool *p = xcalloc(1, sizeof(*p));

  if (n <= 0)
    n = 4;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->threads = xcalloc((size_t)n, sizeof(pthread_t));
  for (int i = 0; i < n; i++) {
    if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
      fatalx("cannot start worker thread");
    p->n++;
  }
  return p;
}

void
pool_submit(struct pool *p, pool_fn fn, void *arg)
{
  struct task *t = xcalloc(1, sizeof(*t));

  t->fn = fn;
  t->arg = arg;
  pthread_mutex_lock(&p->mu);
  if (p->tail != NULL)
    p->tail->next = t;
  else
    p->head = t;
  p->tail = t;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

int
pool_remove(struct pool *p, pool_fn fn, void *arg)
{
  struct task **pp, *t = NULL, *prev = NULL;

  pthread_mutex_lock(&p->mu);
  for (pp = &p->head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
    if ((*pp)->fn == fn && (*pp)->arg == arg) {
      t = *pp;
      *pp = t->next;
      if (p->tail == t)
        p->tail = prev;
      break;
    }
  }
  pthread_mutex_unlock(&p->mu);
  free(t);
  return t != NULL;
}

void
pool_free(struct pool *p)
{
  if (p == NULL)
    return;
  pthread_mutex_lock(&p->mu);
  p->closing = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n; i++)
    pthread_join(p->threads[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->threads);
  free(p);
}
