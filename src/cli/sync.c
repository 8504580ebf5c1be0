/* SPDX-License-Identifier: MIT */
/*
 * sync.c: `igmcp sync`, the inbox backfill from the shell.  It runs the
 * tool ig_sync_inbox (tools/inbox_sync*.c) with the sync options turned
 * into its arguments and the common options (--sandbox, --db, --login...)
 * passed on, prints progress on stderr, a one-line summary on stderr and
 * the result as JSON on stdout.  SIGINT or SIGTERM stops it cleanly: the
 * run saves where it stopped and the next `igmcp sync` continues there.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "cli/cli.h"

static volatile int sync_cancel;

static void
on_signal(int sig)
{
  (void)sig;
  sync_cancel = 1;
}

static void
sync_progress(void *arg, double progress, double total, const char *msg)
{
  (void)arg;
  (void)progress;
  (void)total;
  if (msg != NULL && strncmp(msg, "sync:", 5) == 0)
    fprintf(stderr, "igmcp: %s\n", msg);
}

/* The value of --opt V or --opt=V at argv[*i]; NULL when argv[*i] is not
 * that option.  Moves *i past a separate value. */
static const char *
opt_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
  size_t n = strlen(opt);

  if (strncmp(argv[*i], opt, n) != 0)
    return NULL;
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] != '\0')
    return NULL;
  if (*i + 1 >= argc) {
    *missing = 1;
    return NULL;
  }
  return argv[++*i];
}

static void
summary(const json_t *r)
{
  long long seen = json_integer_value(json_object_get(r,
                                                      "conversations_seen"));
  long long upd = json_integer_value(json_object_get(
      r, "conversations_updated"));
  long long nw = json_integer_value(json_object_get(r, "messages_new"));
  long long req = json_integer_value(json_object_get(r, "graph_requests"));
  long long bat = json_integer_value(json_object_get(r, "batches"));
  long long fail = json_integer_value(json_object_get(r, "failed"));

  fprintf(stderr, "igmcp: sync %s: %lld conversations seen, %lld updated, "
          "%lld new messages, %lld Graph requests (%lld batches)%s%s\n",
          json_is_true(json_object_get(r, "done")) ? "done" : "stopped",
          seen, upd, nw, req, bat, fail > 0 ? ", failures: " : "",
          fail > 0 ? "see errors" : "");
  if (!json_is_true(json_object_get(r, "done")))
    fprintf(stderr, "igmcp: run `igmcp sync` again to continue\n");
}

int
cli_sync(int argc, char **argv)
{
  char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
  json_t *args = json_object(), *res = NULL;
  struct sigaction sa;
  int n = 0, rc = 0, missing = 0;
  char *out;

  for (int i = 0; i < argc; i++) {
    const char *v;
    if (i == 0) {
      rest[n++] = argv[i];
    } else if (strcmp(argv[i], "--full") == 0) {
      json_object_set_new(args, "full", json_true());
    } else if (strcmp(argv[i], "--restart") == 0) {
      json_object_set_new(args, "restart", json_true());
    } else if ((v = opt_value(argc, argv, &i, "--max", &missing)) != NULL) {
      char *end;
      long m;
      errno = 0;
      m = strtol(v, &end, 10);
      if (errno != 0 || *end != '\0' || end == v || m < 1 || m > 100000) {
        fprintf(stderr, "igmcp: --max must be a number from 1 to 100000\n");
        rc = 2;
        break;
      }
      json_object_set_new(args, "max_conversations", json_integer(m));
    } else if ((v = opt_value(argc, argv, &i, "--folder", &missing)) !=
               NULL) {
      json_object_set_new(args, "folder", json_string(v));
    } else if ((v = opt_value(argc, argv, &i, "--since", &missing)) !=
               NULL) {
      json_object_set_new(args, "since", json_string(v));
    } else if (missing) {
      break;
    } else {
      rest[n++] = argv[i];
    }
  }
  if (missing) {
    fprintf(stderr, "igmcp: %s needs a value\n", argv[argc - 1]);
    rc = 2;
  }
  if (rc == 0) {
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = cli_run_tool(n, rest, "ig_sync_inbox", args, sync_progress,
                      &sync_cancel, &res);
    if (res != NULL) {
      if (rc == 0)
        summary(res);
      out = json_dumps(res, JSON_COMPACT);
      puts(out != NULL ? out : "{}");
      free(out);
    }
  }
  json_decref(res);
  json_decref(args);
  free(rest);
  return rc;
}
