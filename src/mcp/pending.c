/* SPDX-License-Identifier: MIT */
/*
 * pending.c: the table of requests sent to the client (pending.h).  Small
 * and linear: a session has at most a few outstanding at once.
 */
#include "mcp/pending.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/xalloc.h"

#define PENDING_MAX 64
#define WAIT_SLICE_MS 50

struct slot {
  int used;
  int answered;
  char id[32];
  json_t *result; /* owned once answered */
  json_t *error;
};

struct mcp_pending {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned long next;
  int closed;
  struct slot slots[PENDING_MAX];
};

struct mcp_pending *
mcp_pending_new(void)
{
  struct mcp_pending *p = xcalloc(1, sizeof(*p));

  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  return p;
}

void
mcp_pending_free(struct mcp_pending *p)
{
  if (p == NULL)
    return;
  for (int i = 0; i < PENDING_MAX; i++) {
    json_decref(p->slots[i].result);
    json_decref(p->slots[i].error);
  }
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

json_t *
mcp_pending_open(struct mcp_pending *p)
{
  json_t *id = NULL;

  pthread_mutex_lock(&p->mu);
  for (int i = 0; !p->closed && i < PENDING_MAX; i++) {
    struct slot *s = &p->slots[i];
    if (s->used)
      continue;
    memset(s, 0, sizeof(*s));
    s->used = 1;
    snprintf(s->id, sizeof(s->id), "igmcp-%lu", ++p->next);
    id = json_string(s->id);
    break;
  }
  pthread_mutex_unlock(&p->mu);
  return id;
}

static struct slot *
find(struct mcp_pending *p, const char *id)
{
  for (int i = 0; id != NULL && i < PENDING_MAX; i++)
    if (p->slots[i].used && strcmp(p->slots[i].id, id) == 0)
      return &p->slots[i];
  return NULL;
}

int
mcp_pending_wait(struct mcp_pending *p, const json_t *id,
                 const volatile int *cancel, long timeout_ms,
                 json_t **answer)
{
  int64_t end = clock_mono_ms() + timeout_ms;
  struct slot *s;
  int rc = -1;

  *answer = NULL;
  pthread_mutex_lock(&p->mu);
  s = find(p, json_string_value(id));
  while (s != NULL && !s->answered && !p->closed &&
         (cancel == NULL || *cancel == 0) && clock_mono_ms() < end) {
    /* Slices, so a cancellation flag set without a signal is seen. */
    struct timespec ts = clock_deadline(WAIT_SLICE_MS);
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
  }
  if (s != NULL) {
    if (s->answered && s->result != NULL) {
      *answer = s->result;
      rc = 1;
    } else if (s->answered) {
      *answer = s->error;
      rc = 0;
    } else {
      json_decref(s->result);
      json_decref(s->error);
    }
    s->result = s->error = NULL;
    s->used = 0;
  }
  pthread_mutex_unlock(&p->mu);
  return rc;
}

int
mcp_pending_answer(struct mcp_pending *p, const json_t *response)
{
  const json_t *res = json_object_get(response, "result");
  const json_t *err = json_object_get(response, "error");
  struct slot *s;
  int took = 0;

  pthread_mutex_lock(&p->mu);
  s = find(p, json_string_value(json_object_get(response, "id")));
  if (s != NULL && !s->answered) {
    s->answered = 1;
    if (json_is_object(res))
      s->result = json_incref((json_t *)res);
    else
      s->error = json_is_object(err)
                   ? json_incref((json_t *)err)
                   : json_pack("{s:i,s:s}", "code", -32603, "message",
                               "the client's answer had no result");
    pthread_cond_broadcast(&p->cv);
    took = 1;
  }
  pthread_mutex_unlock(&p->mu);
  return took;
}

void
mcp_pending_close(struct mcp_pending *p)
{
  if (p == NULL)
    return;
  pthread_mutex_lock(&p->mu);
  p->closed = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}
