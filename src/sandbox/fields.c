/* SPDX-License-Identifier: MIT */
/*
 * fields.c: request parameters, the fields parameter and cursor paging.
 *
 * The fields parser understands Graph field expansion: a comma list of
 * names, each optionally followed by modifiers .limit(N), .after(c),
 * .before(c) and a nested {list}, e.g.
 * "id,participants,messages.limit(5){id,from,message}".  A parsed list is
 * owned by the caller (sbx_fields_free).  Cursors are opaque base64url
 * strings that name the item they stand for, so a page boundary survives
 * items being added in front of it; the paging object repeats the
 * request's parameters, the access token included, as Meta's next and
 * previous URLs do.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/url.h"
#include "../base/xalloc.h"
#include "sbx.h"

#define FIELDS_MAX_DEPTH 4
#define FIELDS_MAX_ITEMS 256

struct cursor_state {
  const char *s;     /* the whole fields string, for error offsets */
  const char *p;
  char *err;
  size_t errlen;
};

static void
skip_ws(struct cursor_state *c)
{
  while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
    c->p++;
}

static int
syntax(struct cursor_state *c, const char *what)
{
  snprintf(c->err, c->errlen, "Syntax error \"%s\" at character %ld: %.200s",
           what, (long)(c->p - c->s), c->s);
  return -1;
}

static int
is_name_char(char ch)
{
  return isalnum((unsigned char)ch) || ch == '_';
}

static void
field_free(struct sbx_field *f)
{
  free(f->name);
  free(f->after);
  free(f->before);
  free(f->sub_raw);
  sbx_fields_free(f->sub);
}

void
sbx_fields_free(struct sbx_fields *f)
{
  if (f == NULL)
    return;
  for (size_t i = 0; i < f->n; i++)
    field_free(&f->v[i]);
  free(f->v);
  free(f);
}

static int parse_list(struct cursor_state *c, struct sbx_fields *f,
                      int depth, char closing);

/* One modifier after a name: .limit(5), .after(QVFI...), .before(...). */
static int
parse_modifier(struct cursor_state *c, struct sbx_field *fd)
{
  const char *name = ++c->p, *arg;
  size_t nlen, alen;
  char *end;

  while (is_name_char(*c->p))
    c->p++;
  nlen = (size_t)(c->p - name);
  if (nlen == 0)
    return syntax(c, "Expected modifier name.");
  if (*c->p != '(')
    return syntax(c, "Expected \"(\".");
  arg = ++c->p;
  while (*c->p && *c->p != ')')
    c->p++;
  if (*c->p != ')')
    return syntax(c, "Expected \")\".");
  alen = (size_t)(c->p - arg);
  c->p++;
  if (nlen == 5 && strncmp(name, "limit", 5) == 0) {
    errno = 0;
    fd->limit = strtol(arg, &end, 10);
    if (errno != 0 || end != arg + alen || alen == 0 || fd->limit < 0)
      return syntax(c, "Expected a non-negative integer.");
  } else if (nlen == 5 && strncmp(name, "after", 5) == 0) {
    free(fd->after);
    fd->after = xstrndup(arg, alen);
  } else if (nlen == 6 && strncmp(name, "before", 6) == 0) {
    free(fd->before);
    fd->before = xstrndup(arg, alen);
  } else {
    return syntax(c, "Unknown modifier.");
  }
  return 0;
}

/* One name with its modifiers and nested list. */
static int
parse_item(struct cursor_state *c, struct sbx_field *fd, int depth)
{
  const char *name;

  skip_ws(c);
  name = c->p;
  while (is_name_char(*c->p))
    c->p++;
  if (c->p == name)
    return syntax(c, "Expected name.");
  fd->name = xstrndup(name, (size_t)(c->p - name));
  fd->limit = -1;
  for (;;) {
    skip_ws(c);
    if (*c->p == '.') {
      if (parse_modifier(c, fd) != 0)
        return -1;
    } else if (*c->p == '{' && fd->sub == NULL) {
      const char *open = ++c->p;
      if (depth + 1 >= FIELDS_MAX_DEPTH)
        return syntax(c, "Nesting too deep.");
      fd->sub = xcalloc(1, sizeof(*fd->sub));
      if (parse_list(c, fd->sub, depth + 1, '}') != 0)
        return -1;
      fd->sub_raw = xstrndup(open, (size_t)(c->p - open));
      c->p++; /* the closing brace */
    } else {
      return 0;
    }
  }
}

/* A comma list up to the closing character ('}' nested, NUL at the top). */
static int
parse_list(struct cursor_state *c, struct sbx_fields *f, int depth,
           char closing)
{
  for (;;) {
    if (f->n == FIELDS_MAX_ITEMS)
      return syntax(c, "Too many fields.");
    f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
    memset(&f->v[f->n], 0, sizeof(f->v[f->n]));
    f->n++;
    if (parse_item(c, &f->v[f->n - 1], depth) != 0)
      return -1;
    skip_ws(c);
    if (*c->p == ',') {
      c->p++;
      continue;
    }
    if (*c->p == closing)
      return 0;
    if (*c->p == '\0')
      return syntax(c, closing == '}' ? "Expected \"}\"."
                                      : "Expected end of string.");
    {
      char what[64];
      snprintf(what, sizeof(what), "Expected end of string instead of "
               "\"%c\".", *c->p);
      return syntax(c, what);
    }
  }
}

/* Parses a whole fields parameter into a new list. */
int
sbx_fields_parse(const char *s, struct sbx_fields **out, char *err,
                 size_t errlen)
{
  struct cursor_state c = { s, s, err, errlen };
  struct sbx_fields *f = xcalloc(1, sizeof(*f));

  if (parse_list(&c, f, 0, '\0') != 0) {
    sbx_fields_free(f);
    *out = NULL;
    return -1;
  }
  *out = f;
  return 0;
}

const struct sbx_field *
sbx_fields_get(const struct sbx_fields *f, const char *name)
{
  for (size_t i = 0; f != NULL && i < f->n; i++)
    if (strcmp(f->v[i].name, name) == 0)
      return &f->v[i];
  return NULL;
}

int
sbx_req_fields(struct sbx_req *r, const char *def, struct sbx_fields **out)
{
  const char *s = sbx_param(r, "fields");
  char err[512];

  if (s == NULL || *s == '\0')
    s = def;
  if (sbx_fields_parse(s, out, err, sizeof(err)) != 0) {
    sbx_error(r, 400, SBX_ET_HOST, 2500, 0, "%s", err);
    return -1;
  }
  return 0;
}

/* Meta rejects the first field a node does not have. */
int
sbx_fields_check(struct sbx_req *r, const struct sbx_fields *f,
                 const char *const *allowed, const char *node_type)
{
  for (size_t i = 0; i < f->n; i++) {
    size_t k;
    for (k = 0; allowed[k] != NULL; k++)
      if (strcmp(allowed[k], f->v[i].name) == 0)
        break;
    if (allowed[k] == NULL) {
      sbx_err_field(r, f->v[i].name, node_type);
      return -1;
    }
  }
  return 0;
}

void
sbx_const_node(struct sbx_req *r, const char *def, const char *node_type,
               const struct sbx_const_field *table, const char *id)
{
  struct sbx_fields *f = NULL;
  json_t *o;

  if (sbx_req_fields(r, def, &f) != 0)
    return;
  for (size_t i = 0; i < f->n; i++) {
    size_t k;
    for (k = 0; table[k].name != NULL; k++)
      if (strcmp(table[k].name, f->v[i].name) == 0)
        break;
    if (table[k].name == NULL) {
      sbx_err_field(r, f->v[i].name, node_type);
      goto out;
    }
  }
  o = json_object();
  for (size_t i = 0; i < f->n; i++) {
    const struct sbx_const_field *c = table;
    while (strcmp(c->name, f->v[i].name) != 0)
      c++;
    json_object_set_new(o, c->name, c->id_object
                        ? json_pack("{s:s}", "id", c->value)
                        : json_string(c->value));
  }
  if (json_object_get(o, "id") == NULL)
    json_object_set_new(o, "id", json_string(id));
  r->resp = o;
out:
  sbx_fields_free(f);
}

const char *
sbx_param(const struct sbx_req *r, const char *name)
{
  json_t *v = json_object_get(r->query, name);

  if (v == NULL && r->body != NULL)
    v = json_object_get(r->body, name);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* JSON-valued parameters arrive as objects in JSON bodies and as
 * strings everywhere else. */
json_t *
sbx_param_json(const struct sbx_req *r, const char *name, int *bad)
{
  json_t *v = r->body != NULL ? json_object_get(r->body, name) : NULL;
  json_t *parsed;

  *bad = 0;
  if (v == NULL)
    v = json_object_get(r->query, name);
  if (v == NULL)
    return NULL;
  if (json_is_object(v) || json_is_array(v))
    return json_incref(v);
  if (!json_is_string(v)) {
    *bad = 1;
    return NULL;
  }
  parsed = json_loads(json_string_value(v), 0, NULL);
  if (parsed == NULL)
    *bad = 1;
  return parsed;
}

/* Non-numbers are an error; zero means the default; big values clamp. */
int
sbx_param_limit(struct sbx_req *r, const char *value, long def, long max,
                long *out)
{
  char *end;
  long v;

  if (value == NULL || *value == '\0') {
    *out = def;
    return 0;
  }
  errno = 0;
  v = strtol(value, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0) {
    sbx_err_param(r, "Param limit must be a non-negative integer");
    return -1;
  }
  *out = v == 0 ? def : (v > max ? max : v);
  return 0;
}

/* base64url without padding, for cursors. */
static char *
cursor_encode(const char *kind, const char *key)
{
  static const char al[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char *plain = xasprintf("AQH%s:%s", kind, key);
  size_t n = strlen(plain), o = 0, i;
  const unsigned char *p = (const unsigned char *)plain;
  char *out = xmalloc(n / 3 * 4 + 8);

  for (i = 0; i + 2 < n; i += 3) {
    out[o++] = al[p[i] >> 2];
    out[o++] = al[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
    out[o++] = al[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
    out[o++] = al[p[i + 2] & 63];
  }
  if (n - i >= 1) {
    out[o++] = al[p[i] >> 2];
    if (n - i == 1) {
      out[o++] = al[(p[i] & 3) << 4];
    } else {
      out[o++] = al[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
      out[o++] = al[(p[i + 1] & 15) << 2];
    }
  }
  out[o] = '\0';
  free(plain);
  return out;
}

static int
b64val(char ch)
{
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '-' || ch == '+') return 62;
  if (ch == '_' || ch == '/') return 63;
  return -1;
}

/* Decodes a cursor of the given kind into the key it names; NULL when it
 * is not one of ours.  The caller frees the key. */
static char *
cursor_decode(const char *kind, const char *cur)
{
  size_t n = strlen(cur), o = 0, klen = strlen(kind);
  char *out = xmalloc(n + 1);
  unsigned acc = 0;
  int bits = 0;

  for (size_t i = 0; i < n; i++) {
    int v = b64val(cur[i]);
    if (cur[i] == '=')
      break;
    if (v < 0) {
      free(out);
      return NULL;
    }
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (char)((acc >> bits) & 0xff);
    }
  }
  out[o] = '\0';
  if (o < 4 + klen || strncmp(out, "AQH", 3) != 0 ||
      strncmp(out + 3, kind, klen) != 0 || out[3 + klen] != ':' ||
      memchr(out, '\0', o) != NULL) {
    free(out);
    return NULL;
  }
  memmove(out, out + 4 + klen, o - 4 - klen + 1);
  return out;
}

static long
key_index(const char *const *keys, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(keys[i], key) == 0)
      return (long)i;
  return -1;
}

/* after wins over before; both name an item by its cursor. */
int
sbx_page(struct sbx_req *r, const char *kind, const char *const *keys,
         size_t n, long limit, const char *after, const char *before,
         struct sbx_window *win)
{
  const char *cur = after != NULL && *after ? after : before;
  long idx = 0;

  win->start = 0;
  win->end = n < (size_t)limit ? n : (size_t)limit;
  if (cur == NULL || *cur == '\0')
    return 0;
  {
    char *key = cursor_decode(kind, cur);
    idx = key != NULL ? key_index(keys, n, key) : -1;
    free(key);
  }
  if (idx < 0) {
    sbx_err_param(r, "Param %s must be a valid cursor",
                  cur == after ? "after" : "before");
    return -1;
  }
  if (cur == after) {
    win->start = (size_t)idx + 1;
    win->end = win->start + (size_t)limit < n ? win->start + (size_t)limit
                                              : n;
  } else {
    win->end = (size_t)idx;
    win->start = win->end > (size_t)limit ? win->end - (size_t)limit : 0;
  }
  return 0;
}

static void
put_param(struct buf *b, const char *k, const char *v)
{
  if (b->len > 0 && buf_cstr(b)[b->len - 1] != '?')
    buf_putc(b, '&');
  url_encode(b, k);
  buf_putc(b, '=');
  url_encode(b, v);
}

/* Meta's next/previous URL: the edge again, with the token, the repeated
 * parameters, the limit and one cursor. */
static char *
page_url(struct sbx_req *r, const char *path, json_t *extra, long limit,
         const char *which, const char *cursor)
{
  struct buf b;
  const char *k;
  json_t *v;
  char lim[24];

  buf_init(&b, 64 * 1024);
  buf_printf(&b, "http://%s/%s/%s?",
             r->host_hdr != NULL ? r->host_hdr : "127.0.0.1", r->version,
             path);
  if (r->tok != SBX_TOK_NONE)
    put_param(&b, "access_token", r->sb->tokens[r->tok].value);
  if (extra == NULL) {
    json_object_foreach(r->query, k, v) {
      if (strcmp(k, "access_token") == 0 || strcmp(k, "after") == 0 ||
          strcmp(k, "before") == 0 || strcmp(k, "limit") == 0)
        continue;
      put_param(&b, k, json_string_value(v));
    }
  } else {
    json_object_foreach(extra, k, v)
      put_param(&b, k, json_string_value(v));
    if (sbx_param(r, "appsecret_proof") != NULL)
      put_param(&b, "appsecret_proof", sbx_param(r, "appsecret_proof"));
  }
  snprintf(lim, sizeof(lim), "%ld", limit);
  put_param(&b, "limit", lim);
  put_param(&b, which, cursor);
  return buf_steal(&b);
}

/* Wraps a page of data with Meta's paging object; no paging when empty. */
json_t *
sbx_paged(struct sbx_req *r, json_t *data, const char *kind,
          const char *const *keys, size_t n, const struct sbx_window *win,
          long limit, const char *path, json_t *extra)
{
  json_t *out = json_pack("{s:o}", "data", data);
  json_t *paging, *cursors;
  char *first, *last, *url;

  if (win->start >= win->end)
    return out;
  first = cursor_encode(kind, keys[win->start]);
  last = cursor_encode(kind, keys[win->end - 1]);
  cursors = json_pack("{s:s,s:s}", "before", first, "after", last);
  paging = json_pack("{s:o}", "cursors", cursors);
  if (win->end < n) {
    url = page_url(r, path, extra, limit, "after", last);
    json_object_set_new(paging, "next", sbx_jstr(url));
    free(url);
  }
  if (win->start > 0) {
    url = page_url(r, path, extra, limit, "before", first);
    json_object_set_new(paging, "previous", sbx_jstr(url));
    free(url);
  }
  json_object_set_new(out, "paging", paging);
  free(first);
  free(last);
  return out;
}
