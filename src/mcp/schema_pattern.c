/* SPDX-License-Identifier: MIT */
/*
 * schema_pattern.c: the `pattern` and `format` keywords of the schema
 * validator.  Patterns are a small ECMA-262 subset translated to POSIX ERE
 * and compiled once into a mutex-protected cache (schema_cleanup frees
 * it); formats are date-time and uri.  See docs/internals/schema.md.
 */
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "mcp/schema.h"
#include "mcp/schema_int.h"

#define PATTERN_MAX_LEN 512     /* bytes of pattern text */
#define PATTERN_MAX_GROUPS 16   /* nesting of ( ) */
#define PATTERN_MAX_REPEAT 1000 /* largest m or n in {m,n} */
#define PATTERN_MAX_COST 4096   /* size after expanding counted repeats */
#define RX_CACHE_MAX 256        /* cached compiled patterns */

/* ------------------------------------------------------------------ */
/* Patterns: an ECMA-262 subset translated to POSIX ERE                */
/* ------------------------------------------------------------------ */

/* Characters that have a meaning in POSIX ERE outside brackets. */
static const char ere_meta[] = ".[]()*+?{}|^$\\";
/* Characters an ECMA pattern may escape to mean themselves. */
static const char identity_esc[] = "^$\\.*+?()[]{}|/-";

/* A set of ASCII characters, for [...] and the class escapes. */
struct cset {
  unsigned char bits[16];
};

static void
cset_add(struct cset *cs, int c)
{
  cs->bits[c >> 3] |= (unsigned char)(1u << (c & 7));
}

static int
cset_has(const struct cset *cs, int c)
{
  return (cs->bits[c >> 3] >> (c & 7)) & 1;
}

static void
cset_range(struct cset *cs, int lo, int hi)
{
  for (int c = lo; c <= hi; c++)
    cset_add(cs, c);
}

/* Adds \d, \w or \s (ASCII meanings; \s is [[:space:]] of the C locale). */
static void
cset_named(struct cset *cs, int k)
{
  switch (k) {
  case 'd':
    cset_range(cs, '0', '9');
    break;
  case 'w':
    cset_range(cs, '0', '9');
    cset_range(cs, 'A', 'Z');
    cset_range(cs, 'a', 'z');
    cset_add(cs, '_');
    break;
  case 's':
    cset_add(cs, ' ');
    cset_range(cs, '\t', '\r'); /* \t \n \v \f \r */
    break;
  }
}

static void
emit_literal(struct buf *out, int c)
{
  if (strchr(ere_meta, c) != NULL)
    buf_putc(out, '\\');
  buf_putc(out, (char)c);
}

/* Writes a set as a POSIX bracket expression.  The members are laid out so
 * that no ERE bracket rule can misread them: ']' first, '^' never first,
 * '[' and '-' last, so "[:", "[." and "[=" cannot appear.  A one-member
 * positive set is written as a plain literal. */
static void
emit_cset(struct buf *out, const struct cset *cs, int neg)
{
  int count = 0, only = 0, first = 1;
  int has_caret, has_lbr, has_dash;

  for (int c = 1; c < 128; c++)
    if (cset_has(cs, c)) {
      count++;
      only = c;
    }
  if (!neg && count == 1) {
    emit_literal(out, only);
    return;
  }
  buf_puts(out, neg ? "[^" : "[");
  if (cset_has(cs, ']')) {
    buf_putc(out, ']');
    first = 0;
  }
  for (int c = 1; c < 128;) {
    int hi = c;
    if (!cset_has(cs, c) || strchr("][-^", c) != NULL) {
      c++;
      continue;
    }
    while (hi + 1 < 128 && cset_has(cs, hi + 1) &&
           strchr("][-^", hi + 1) == NULL)
      hi++;
    if (hi - c >= 2) {
      buf_putc(out, (char)c);
      buf_putc(out, '-');
      buf_putc(out, (char)hi);
    } else {
      for (int k = c; k <= hi; k++)
        buf_putc(out, (char)k);
    }
    first = 0;
    c = hi + 1;
  }
  has_caret = cset_has(cs, '^');
  has_lbr = cset_has(cs, '[');
  has_dash = cset_has(cs, '-');
  if (has_caret && first && !neg) {
    /* '^' cannot open a positive bracket; lead with '[' or '-'. */
    if (has_lbr) {
      buf_putc(out, '[');
      has_lbr = 0;
    } else {
      buf_putc(out, '-');
      has_dash = 0;
    }
  }
  if (has_caret)
    buf_putc(out, '^');
  if (has_lbr)
    buf_putc(out, '[');
  if (has_dash)
    buf_putc(out, '-');
  buf_putc(out, ']');
}

/* Explains why a pattern is outside the subset; returns -1. */
static int rx_why(char *why, size_t len, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
rx_why(char *why, size_t len, size_t off, const char *fmt, ...)
{
  char text[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  /* A cut reason is still a reason; the length check keeps GCC quiet. */
  if (snprintf(why, len, "%s (at offset %zu)", text, off) < 0 && len > 0)
    why[0] = '\0';
  return -1;
}

/* The reason an escape is refused, without echoing non-ASCII bytes. */
static int
esc_error(char *why, size_t len, size_t off, int k)
{
  if (k >= '1' && k <= '9')
    return rx_why(why, len, off, "backreferences are not supported");
  if (k == 'b' || k == 'B')
    return rx_why(why, len, off, "word boundaries \\b and \\B are not "
                  "supported");
  if (k > 0x20 && k < 0x7f)
    return rx_why(why, len, off, "the escape \\%c is not supported", k);
  return rx_why(why, len, off, "a backslash before byte 0x%02x is not "
                "supported", k);
}

/* Reads one member of a [...] class at s[*i]: a single character (result
 * 1, in *ch) or a class escape merged into cs (result 2).  Returns -1 for
 * anything outside the subset. */
static int
class_member(const char *s, size_t n, size_t *i, int *ch, struct cset *cs,
             char *why, size_t len)
{
  int c = (unsigned char)s[*i], k;

  if (c == '\\') {
    if (*i + 1 >= n)
      return rx_why(why, len, *i, "trailing backslash");
    k = (unsigned char)s[*i + 1];
    if (k == 'd' || k == 'w' || k == 's') {
      cset_named(cs, k);
      *i += 2;
      return 2;
    }
    if (k == 'D' || k == 'W' || k == 'S')
      return rx_why(why, len, *i, "\\%c is not supported inside [...]; "
                    "write a negated class such as [^0-9]", k);
    if (k == 'n' || k == 'r' || k == 't') {
      *ch = k == 'n' ? '\n' : k == 'r' ? '\r' : '\t';
      *i += 2;
      return 1;
    }
    if (k != 0 && strchr(identity_esc, k) != NULL) {
      *ch = k;
      *i += 2;
      return 1;
    }
    return esc_error(why, len, *i, k);
  }
  if (c < 0x20 || c >= 0x7f)
    return rx_why(why, len, *i, "only printable ASCII is supported in "
                  "patterns (byte 0x%02x)", c);
  *ch = c;
  (*i)++;
  return 1;
}

/* Parses the class that starts at s[*i] == '[' and writes it to out. */
static int
translate_class(const char *s, size_t n, size_t *i, struct buf *out,
                char *why, size_t len)
{
  struct cset cs;
  size_t start = *i;
  int neg = 0, lo = 0, hi = 0, r;

  memset(&cs, 0, sizeof(cs));
  (*i)++;
  if (*i < n && s[*i] == '^') {
    neg = 1;
    (*i)++;
  }
  if (*i < n && s[*i] == ']')
    return rx_why(why, len, start, "the empty classes [] and [^] are not "
                  "supported");
  for (;;) {
    if (*i >= n)
      return rx_why(why, len, start, "unterminated [...]");
    if (s[*i] == ']') {
      (*i)++;
      break;
    }
    r = class_member(s, n, i, &lo, &cs, why, len);
    if (r < 0)
      return -1;
    if (r == 2)
      continue;
    if (*i + 1 < n && s[*i] == '-' && s[*i + 1] != ']') {
      size_t at = *i;
      (*i)++;
      r = class_member(s, n, i, &hi, &cs, why, len);
      if (r < 0)
        return -1;
      if (r == 2)
        return rx_why(why, len, at, "a class escape cannot end a range");
      if (lo > hi)
        return rx_why(why, len, at, "range out of order");
      cset_range(&cs, lo, hi);
    } else {
      cset_add(&cs, lo);
    }
  }
  emit_cset(out, &cs, neg);
  return 0;
}

/* Reads up to four digits at s[*j] into *v; returns 0 when there are none
 * or the value is larger than PATTERN_MAX_REPEAT. */
static int
repeat_count(const char *s, size_t n, size_t *j, unsigned long *v)
{
  size_t start = *j;

  *v = 0;
  while (*j < n && s[*j] >= '0' && s[*j] <= '9' && *j - start < 5) {
    *v = *v * 10 + (unsigned long)(s[*j] - '0');
    (*j)++;
  }
  return *j > start && *v <= PATTERN_MAX_REPEAT;
}

/* Translates the ECMA-262 subset described in docs/internals/schema.md to
 * a POSIX ERE in out.  Returns 0, or -1 with a reason in why.  The scan is
 * a loop with an explicit group stack, so it needs no recursion; `cost`
 * tracks the size of the pattern once regcomp expands counted repeats,
 * which keeps nested {m,n} from blowing up. */
static int
pattern_translate(const char *s, struct buf *out, char *why, size_t len)
{
  unsigned long cost[PATTERN_MAX_GROUPS + 1];
  unsigned long last = 0; /* size of the atom a quantifier would repeat */
  size_t n = strlen(s), i = 0;
  int depth = 0, content = 0;

  if (n > PATTERN_MAX_LEN)
    return rx_why(why, len, PATTERN_MAX_LEN, "patterns are limited to %d "
                  "bytes", PATTERN_MAX_LEN);
  cost[0] = 0;
  while (i < n) {
    int c = (unsigned char)s[i];
    unsigned long atom = 1;
    struct cset cs;

    switch (c) {
    case '^':
    case '$':
      buf_putc(out, (char)c);
      i++;
      content = 1;
      last = 0;
      continue;
    case '|':
      if (!content)
        return rx_why(why, len, i, "empty alternative");
      buf_putc(out, '|');
      i++;
      content = 0;
      last = 0;
      continue;
    case '(':
      if (i + 1 < n && s[i + 1] == '?') {
        if (i + 2 < n && s[i + 2] == ':')
          i += 3;
        else
          return rx_why(why, len, i, "(? groups other than (?: are not "
                        "supported: no lookaround, no named groups");
      } else {
        i++;
      }
      if (depth == PATTERN_MAX_GROUPS)
        return rx_why(why, len, i, "groups nested deeper than %d",
                      PATTERN_MAX_GROUPS);
      cost[++depth] = 0;
      buf_putc(out, '(');
      content = 0;
      last = 0;
      continue;
    case ')':
      if (depth == 0)
        return rx_why(why, len, i, "unbalanced ')'");
      if (!content)
        return rx_why(why, len, i, "empty group or alternative");
      atom = cost[depth--] + 1;
      buf_putc(out, ')');
      i++;
      break;
    case '*':
    case '+':
    case '?':
    case '{': {
      unsigned long k, m = 0, mx = 0;
      size_t at = i;
      if (last == 0)
        return rx_why(why, len, i, "quantifier '%c' has nothing to repeat",
                      c);
      if (c == '{') {
        size_t j = i + 1;
        int open = 0;
        if (!repeat_count(s, n, &j, &m))
          goto bad_brace;
        mx = m;
        if (j < n && s[j] == ',') {
          j++;
          if (j < n && s[j] == '}')
            open = 1;
          else if (!repeat_count(s, n, &j, &mx))
            goto bad_brace;
        }
        if (j >= n || s[j] != '}')
          goto bad_brace;
        if (!open && mx < m)
          return rx_why(why, len, i, "{m,n} with n < m");
        i = j + 1;
        if (open)
          buf_printf(out, "{%lu,}", m);
        else if (mx == m)
          buf_printf(out, "{%lu}", m);
        else
          buf_printf(out, "{%lu,%lu}", m, mx);
        k = open ? m + 1 : mx;
        if (k == 0)
          k = 1;
      } else {
        buf_putc(out, (char)c);
        i++;
        k = c == '+' ? 2 : 1;
      }
      if (i < n && s[i] == '?')
        return rx_why(why, len, at, "lazy quantifiers are not supported");
      if (k > 1) {
        if (last > PATTERN_MAX_COST / k)
          goto too_big;
        cost[depth] += last * (k - 1);
        if (cost[depth] > PATTERN_MAX_COST)
          goto too_big;
      }
      last = 0;
      continue;
    bad_brace:
      return rx_why(why, len, i, "'{' must start {m}, {m,} or {m,n} with "
                    "m, n <= %d; write \\{ for a literal brace",
                    PATTERN_MAX_REPEAT);
    }
    case '}':
    case ']':
      return rx_why(why, len, i, "unescaped '%c'; write \\%c for a literal",
                    c, c);
    case '[':
      if (translate_class(s, n, &i, out, why, len) != 0)
        return -1;
      break;
    case '.':
      /* ECMA's '.' stops at line ends; one byte per '.' here. */
      memset(&cs, 0, sizeof(cs));
      cset_add(&cs, '\n');
      cset_add(&cs, '\r');
      emit_cset(out, &cs, 1);
      i++;
      break;
    case '\\': {
      int k;
      if (i + 1 >= n)
        return rx_why(why, len, i, "trailing backslash");
      k = (unsigned char)s[i + 1];
      memset(&cs, 0, sizeof(cs));
      if (k != 0 && strchr("dwsDWS", k) != NULL) {
        cset_named(&cs, k | 0x20);
        emit_cset(out, &cs, k < 'a');
      } else if (k == 'n' || k == 'r' || k == 't') {
        emit_literal(out, k == 'n' ? '\n' : k == 'r' ? '\r' : '\t');
      } else if (k != 0 && strchr(identity_esc, k) != NULL) {
        emit_literal(out, k);
      } else {
        return esc_error(why, len, i, k);
      }
      i += 2;
      break;
    }
    default:
      if (c < 0x20 || c >= 0x7f)
        return rx_why(why, len, i, "only printable ASCII is supported in "
                      "patterns (byte 0x%02x)", c);
      emit_literal(out, c);
      i++;
      break;
    }
    cost[depth] += atom;
    if (cost[depth] > PATTERN_MAX_COST)
      goto too_big;
    last = atom;
    content = 1;
  }
  if (depth != 0)
    return rx_why(why, len, i, "unbalanced '('");
  if (!content)
    return rx_why(why, len, i, "empty pattern or alternative");
  return 0;
too_big:
  return rx_why(why, len, i, "pattern too complex once repeats are "
                "expanded (limit %d)", PATTERN_MAX_COST);
}

/* Translates and compiles a pattern into re. */
static int
rx_compile(const char *pattern, regex_t *re, char *why, size_t len)
{
  struct buf ere;
  int rc;

  buf_init(&ere, 65536);
  if (pattern_translate(pattern, &ere, why, len) != 0) {
    buf_free(&ere);
    return -1;
  }
  rc = regcomp(re, buf_cstr(&ere), REG_EXTENDED | REG_NOSUB);
  buf_free(&ere);
  if (rc != 0) {
    char text[128];
    regerror(rc, re, text, sizeof(text));
    regfree(re);
    snprintf(why, len, "regcomp refused the translated pattern: %s", text);
    return -1;
  }
  return 0;
}

/* One compiled pattern in the cache. */
struct rx_entry {
  struct rx_entry *next;
  char *pattern;
  regex_t re;
};

static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rx_entry *rx_head;
static size_t rx_count;

/* Returns the compiled form of pattern, from the cache or compiled and
 * cached now.  When the cache is full the result is compiled for this call
 * only and *owned is set: the caller must regfree and free it.  Returns
 * NULL with a reason in why for a pattern outside the subset. */
regex_t *
schema__rx_get(const char *pattern, int *owned, char *why, size_t len)
{
  struct rx_entry *en;
  regex_t *re = NULL;

  *owned = 0;
  pthread_mutex_lock(&rx_lock);
  for (en = rx_head; en != NULL; en = en->next)
    if (strcmp(en->pattern, pattern) == 0) {
      re = &en->re;
      goto out;
    }
  if (rx_count < RX_CACHE_MAX) {
    en = xcalloc(1, sizeof(*en));
    if (rx_compile(pattern, &en->re, why, len) != 0) {
      free(en);
      goto out;
    }
    en->pattern = xstrdup(pattern);
    en->next = rx_head;
    rx_head = en;
    rx_count++;
    re = &en->re;
  } else {
    re = xmalloc(sizeof(*re));
    if (rx_compile(pattern, re, why, len) != 0) {
      free(re);
      re = NULL;
      goto out;
    }
    *owned = 1;
  }
out:
  pthread_mutex_unlock(&rx_lock);
  return re;
}

/* Matches s[0..n) (which may hold NUL bytes) against pattern.  Returns 0
 * with *matched set, or -1 with a reason in why. */
int
schema__rx_match(const char *pattern, const char *s, size_t n, int *matched,
         char *why, size_t len)
{
  regmatch_t m;
  regex_t *re;
  int owned, rc;

  re = schema__rx_get(pattern, &owned, why, len);
  if (re == NULL)
    return -1;
  m.rm_so = 0;
  m.rm_eo = (regoff_t)n;
  rc = regexec(re, s, 1, &m, REG_STARTEND);
  if (owned) {
    regfree(re);
    free(re);
  }
  if (rc != 0 && rc != REG_NOMATCH) {
    snprintf(why, len, "regexec failed (%d)", rc);
    return -1;
  }
  *matched = rc == 0;
  return 0;
}

void
schema_cleanup(void)
{
  struct rx_entry *en, *next;

  pthread_mutex_lock(&rx_lock);
  for (en = rx_head; en != NULL; en = next) {
    next = en->next;
    regfree(&en->re);
    free(en->pattern);
    free(en);
  }
  rx_head = NULL;
  rx_count = 0;
  pthread_mutex_unlock(&rx_lock);
}

/* ------------------------------------------------------------------ */
/* Formats                                                             */
/* ------------------------------------------------------------------ */

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_HEX(c) \
  (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))

/* Reads exactly `count` digits at s[*i] into *v. */
static int
fixed_digits(const char *s, size_t n, size_t *i, int count, int *v)
{
  *v = 0;
  for (int k = 0; k < count; k++, (*i)++) {
    if (*i >= n || !IS_DIGIT(s[*i]))
      return 0;
    *v = *v * 10 + (s[*i] - '0');
  }
  return 1;
}

static int
expect_char(const char *s, size_t n, size_t *i, char a, char b)
{
  if (*i >= n || (s[*i] != a && s[*i] != b))
    return 0;
  (*i)++;
  return 1;
}

static int
days_in_month(int y, int m)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30,
                              31, 31, 30, 31, 30, 31 };

  if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
    return 29;
  return days[m - 1];
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), with
 * 'T' and 'Z' in either case and a leap second only at 23:59:60 UTC. */
static int
format_date_time(const char *s, size_t n)
{
  int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
  size_t i = 0;

  if (!fixed_digits(s, n, &i, 4, &y) || !expect_char(s, n, &i, '-', '-') ||
      !fixed_digits(s, n, &i, 2, &mo) || !expect_char(s, n, &i, '-', '-') ||
      !fixed_digits(s, n, &i, 2, &d) || !expect_char(s, n, &i, 'T', 't') ||
      !fixed_digits(s, n, &i, 2, &h) || !expect_char(s, n, &i, ':', ':') ||
      !fixed_digits(s, n, &i, 2, &mi) || !expect_char(s, n, &i, ':', ':') ||
      !fixed_digits(s, n, &i, 2, &sec))
    return 0;
  if (i < n && s[i] == '.') {
    size_t start = ++i;
    while (i < n && IS_DIGIT(s[i]))
      i++;
    if (i == start)
      return 0;
  }
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    sign = s[i] == '+' ? 1 : -1;
    i++;
    if (!fixed_digits(s, n, &i, 2, &oh) ||
        !expect_char(s, n, &i, ':', ':') || !fixed_digits(s, n, &i, 2, &om))
      return 0;
  } else {
    return 0;
  }
  if (i != n)
    return 0;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || sec > 60 || oh > 23 || om > 59)
    return 0;
  if (sec == 60) {
    int utc = ((h * 60 + mi - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59)
      return 0;
  }
  return 1;
}

/* An absolute URI: a scheme, ':', then only RFC 3986 characters, with
 * every '%' starting a valid escape.  Relative references fail. */
static int
format_uri(const char *s, size_t n)
{
  static const char allowed[] = "-._~:/?#[]@!$&'()*+,;=";
  size_t i = 1;

  if (n == 0 || !IS_ALPHA(s[0]))
    return 0;
  while (i < n && (IS_ALPHA(s[i]) || IS_DIGIT(s[i]) || s[i] == '+' ||
                   s[i] == '-' || s[i] == '.'))
    i++;
  if (i >= n || s[i] != ':')
    return 0;
  for (i++; i < n; i++) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= n || !IS_HEX(s[i + 1]) || !IS_HEX(s[i + 2]))
        return 0;
      i += 2;
    } else if (!IS_ALPHA(c) && !IS_DIGIT(c) &&
               (c == '\0' || strchr(allowed, c) == NULL)) {
      return 0;
    }
  }
  return 1;
}

/* The formats we assert, with the wording used when a value fails. */
static const struct schema_format formats[] = {
  { "date-time", format_date_time,
    "must be an RFC 3339 date-time such as \"2025-01-31T09:30:00Z\" "
    "(a 'Z' or +hh:mm offset is required)" },
  { "uri", format_uri,
    "must be an absolute URI with a scheme, such as "
    "\"https://example.com/page\"" },
};

const struct schema_format *
schema__find_format(const char *name)
{
  for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
    if (strcmp(formats[i].name, name) == 0)
      return &formats[i];
  return NULL;
}

