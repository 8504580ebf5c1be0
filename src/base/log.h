/* SPDX-License-Identifier: MIT */
/*
 * log.h: logging to stderr, never stdout (stdout belongs to the stdio
 * transport).  Levels follow RFC 5424 as MCP uses them.  A sink can be
 * installed to forward records to MCP clients (notifications/message).
 * Every registered secret is replaced by "[redacted]" before a record is
 * written anywhere, as a last line of defence.
 */
#ifndef IGMCP_LOG_H
#define IGMCP_LOG_H

enum log_level {
  LOG_DEBUG = 0,
  LOG_INFO,
  LOG_NOTICE,
  LOG_WARNING,
  LOG_ERROR,
  LOG_CRITICAL,
  LOG_ALERT,
  LOG_EMERGENCY,
};

/* A sink receives each record (already redacted) at or above its level. */
typedef void (*log_sink_fn)(enum log_level lvl, const char *logger,
                            const char *msg, void *arg);

void log_init(enum log_level stderr_level);
void log_set_stderr_level(enum log_level lvl);
void log_set_sink(log_sink_fn fn, void *arg);
/* Registers a secret (copied) to be redacted from every record.  Strings
 * shorter than 6 bytes are ignored. */
void log_add_secret(const char *secret);
void log_clear_secrets(void);
/* Replaces every registered secret in s (in place, may shorten). */
void log_redact(char *s, unsigned long size);

const char *log_level_name(enum log_level lvl);
/* Returns 0 and sets *out, or -1 for an unknown name. */
int log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level lvl, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno). */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
