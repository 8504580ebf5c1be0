/* SPDX-License-Identifier: MIT */
/*
 * stdio.c: reading newline-delimited messages with a hard size cap, and
 * writing them whole.  The reader owns its buffer; the server answers each
 * line before the next is read, except tool calls, which run on workers.
 */
#include "transport/stdio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"

static int
write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

void
stdio_write(void *arg, const char *data, size_t len, const struct mcp_out *o)
{
  int fd = *(int *)arg;

  (void)o; /* one stream carries everything */
  /* One write per message when it fits, so a reader never sees half a
   * line even if it reads without buffering. */
  if (len < 65536) {
    char tmp[65536];
    memcpy(tmp, data, len);
    tmp[len] = '\n';
    if (write_all(fd, tmp, len + 1) != 0)
      log_debug("stdout closed: %s", strerror(errno));
    return;
  }
  if (write_all(fd, data, len) != 0 || write_all(fd, "\n", 1) != 0)
    log_debug("stdout closed: %s", strerror(errno));
}

/* Hands one complete line (without its newline) to the server. */
static void
dispatch(struct mcp_server *s, char *line, size_t len)
{
  if (len > 0 && line[len - 1] == '\r')
    len--;
  /* Blank lines between messages are tolerated. */
  for (size_t i = 0; i < len; i++) {
    if (line[i] != ' ' && line[i] != '\t') {
      mcp_server_handle(s, line, len);
      return;
    }
  }
}

int
stdio_serve(struct mcp_server *s, int fd)
{
  struct buf line;
  char chunk[65536];
  size_t skipped = 0; /* > 0 while skipping an oversized line */
  int rc = 0;

  buf_init(&line, JSONRPC_MAX_MESSAGE);
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof(chunk));
    char *p, *end, *nl;

    if (n < 0) {
      if (errno == EINTR)
        continue;
      log_warn("reading stdin");
      rc = -1;
      break;
    }
    if (n == 0)
      break;
    p = chunk;
    end = chunk + n;
    while (p < end) {
      nl = memchr(p, '\n', (size_t)(end - p));
      size_t part = nl ? (size_t)(nl - p) : (size_t)(end - p);
      if (skipped > 0) {
        skipped += part;
      } else if (buf_append(&line, p, part) != 0) {
        skipped = line.len + part;
        buf_reset(&line);
      }
      if (nl == NULL)
        break;
      if (skipped > 0) {
        mcp_server_reject_oversize(s, skipped);
        skipped = 0;
      } else {
        dispatch(s, line.data ? line.data : (char *)"", line.len);
        buf_reset(&line);
      }
      p = nl + 1;
    }
  }
  /* A last message without a newline still counts. */
  if (skipped > 0)
    mcp_server_reject_oversize(s, skipped);
  else if (line.len > 0)
    dispatch(s, line.data, line.len);
  buf_free(&line);
  return rc;
}
