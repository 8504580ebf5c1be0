/* SPDX-License-Identifier: MIT */
/*
 * credentials.c: reading and writing the credentials file (credentials.h).
 */
#include "cli/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"

#define CREDS_MAX_BYTES (4u << 20)

char *
creds_default_path(void)
{
  const char *v;

  if ((v = getenv("IGMCP_CONFIG")) != NULL && *v != '\0')
    return xstrdup(v);
  if ((v = getenv("XDG_CONFIG_HOME")) != NULL && *v == '/')
    return xasprintf("%s/igmcp/credentials.json", v);
  if ((v = getenv("HOME")) != NULL && *v != '\0')
    return xasprintf("%s/.config/igmcp/credentials.json", v);
  return NULL;
}

const char *
creds_login_name(enum graph_login l)
{
  return l == GRAPH_LOGIN_FACEBOOK ? "facebook" : "instagram";
}

static char *
dup_or_null(const char *s)
{
  return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* A string member, or NULL; -1 with e set when present but not a string. */
static int
get_str(const json_t *o, const char *k, const char *where, char **out,
        struct err *e)
{
  const json_t *v = json_object_get(o, k);

  *out = NULL;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_string(v))
    return err_set(e, ERR_CONFIG, "credentials: %s.%s must be a string",
                   where, k);
  *out = dup_or_null(json_string_value(v));
  return 0;
}

static int
get_time(const json_t *o, const char *k, const char *where, int64_t *out,
         struct err *e)
{
  const json_t *v = json_object_get(o, k);

  *out = 0;
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return err_set(e, ERR_CONFIG, "credentials: %s.%s must be a unix time "
                   "in seconds", where, k);
  *out = (int64_t)json_integer_value(v);
  return 0;
}

static int
load_app(const json_t *apps, const char *k, struct cred_app *a,
         struct err *e)
{
  const json_t *o = json_object_get(apps, k);
  char where[32];

  if (o == NULL)
    return 0;
  snprintf(where, sizeof(where), "apps.%s", k);
  if (!json_is_object(o))
    return err_set(e, ERR_CONFIG, "credentials: %s must be an object", where);
  if (get_str(o, "app_id", where, &a->app_id, e) != 0 ||
      get_str(o, "app_secret", where, &a->app_secret, e) != 0)
    return ERR_CONFIG;
  log_add_secret(a->app_secret);
  return 0;
}

static int
load_account(const json_t *o, size_t i, struct cred_account *a,
             struct err *e)
{
  char where[32], *login = NULL;
  const json_t *scopes = json_object_get(o, "scopes");

  snprintf(where, sizeof(where), "accounts[%zu]", i);
  if (!json_is_object(o))
    return err_set(e, ERR_CONFIG, "credentials: %s must be an object", where);
  if (get_str(o, "name", where, &a->name, e) != 0 ||
      get_str(o, "login", where, &login, e) != 0 ||
      get_str(o, "user_id", where, &a->user_id, e) != 0 ||
      get_str(o, "username", where, &a->username, e) != 0 ||
      get_str(o, "page_id", where, &a->page_id, e) != 0 ||
      get_str(o, "token", where, &a->token, e) != 0 ||
      get_time(o, "token_issued_at", where, &a->token_issued_at, e) != 0 ||
      get_time(o, "token_expires_at", where, &a->token_expires_at, e) != 0) {
    free(login);
    return ERR_CONFIG;
  }
  log_add_secret(a->token);
  if (login == NULL || strcmp(login, "instagram") == 0) {
    a->login = GRAPH_LOGIN_INSTAGRAM;
  } else if (strcmp(login, "facebook") == 0) {
    a->login = GRAPH_LOGIN_FACEBOOK;
  } else {
    free(login);
    return err_set(e, ERR_CONFIG, "credentials: %s.login must be "
                   "\"instagram\" or \"facebook\"", where);
  }
  free(login);
  if (a->token == NULL)
    return err_set(e, ERR_CONFIG, "credentials: %s has no token; run "
                   "igmcp login again", where);
  if (scopes != NULL && !json_is_null(scopes)) {
    size_t k;
    json_t *s;
    if (!json_is_array(scopes))
      return err_set(e, ERR_CONFIG, "credentials: %s.scopes must be an "
                     "array of strings", where);
    json_array_foreach(scopes, k, s)
      if (!json_is_string(s))
        return err_set(e, ERR_CONFIG, "credentials: %s.scopes[%zu] must be "
                       "a string", where, k);
    a->scopes = json_deep_copy(scopes);
  }
  if (a->name == NULL)
    a->name = xstrdup(a->username != NULL ? a->username
                      : a->user_id != NULL ? a->user_id : "default");
  return 0;
}

int
creds_load(const char *path, struct creds *c, struct err *e)
{
  struct stat st;
  json_error_t je;
  json_t *root, *list, *v;
  size_t i;
  int fd;

  memset(c, 0, sizeof(*c));
  if (path == NULL)
    return err_set(e, ERR_CONFIG, "credentials: no file (set IGMCP_CONFIG)");
  c->path = xstrdup(path);
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    return err_set(e, ERR_CONFIG, "credentials: cannot open %s: %s", path,
                   strerror(errno));
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return err_set(e, ERR_CONFIG, "credentials: %s is not a regular file",
                   path);
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return err_set(e, ERR_CONFIG, "credentials: %s is readable or writable "
                   "by others (mode %03o); it holds tokens: chmod 600 it",
                   path, (unsigned)(st.st_mode & 0777));
  }
  if ((size_t)st.st_size > CREDS_MAX_BYTES) {
    close(fd);
    return err_set(e, ERR_CONFIG, "credentials: %s is larger than 4 MiB",
                   path);
  }
  root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
  close(fd);
  if (root == NULL)
    return err_set(e, ERR_CONFIG, "credentials: %s: line %d: %s", path,
                   je.line, je.text);
  if (!json_is_object(root) ||
      (json_object_get(root, "version") != NULL &&
       json_integer_value(json_object_get(root, "version")) != 1)) {
    json_decref(root);
    return err_set(e, ERR_CONFIG, "credentials: %s: not a version 1 "
                   "credentials object", path);
  }
  if (load_app(json_object_get(root, "apps"), "instagram", &c->ig_app,
               e) != 0 ||
      load_app(json_object_get(root, "apps"), "facebook", &c->fb_app,
               e) != 0) {
    json_decref(root);
    return ERR_CONFIG;
  }
  list = json_object_get(root, "accounts");
  if (list != NULL && !json_is_array(list)) {
    json_decref(root);
    return err_set(e, ERR_CONFIG, "credentials: accounts must be an array");
  }
  c->accounts = xcalloc(json_array_size(list) + 1, sizeof(*c->accounts));
  json_array_foreach(list, i, v) {
    if (load_account(v, i, &c->accounts[i], e) != 0) {
      c->naccounts = i + 1;
      json_decref(root);
      return ERR_CONFIG;
    }
    c->naccounts = i + 1;
  }
  json_decref(root);
  return 0;
}

static json_t *
str_or_null(const char *s)
{
  return s != NULL ? json_string(s) : json_null();
}

static json_t *
to_json(const struct creds *c)
{
  json_t *apps = json_object(), *list = json_array();

  if (c->ig_app.app_id != NULL || c->ig_app.app_secret != NULL)
    json_object_set_new(apps, "instagram", json_pack("{s:o,s:o}",
        "app_id", str_or_null(c->ig_app.app_id),
        "app_secret", str_or_null(c->ig_app.app_secret)));
  if (c->fb_app.app_id != NULL || c->fb_app.app_secret != NULL)
    json_object_set_new(apps, "facebook", json_pack("{s:o,s:o}",
        "app_id", str_or_null(c->fb_app.app_id),
        "app_secret", str_or_null(c->fb_app.app_secret)));
  for (size_t i = 0; i < c->naccounts; i++) {
    const struct cred_account *a = &c->accounts[i];
    json_array_append_new(list, json_pack(
        "{s:s,s:s,s:o,s:o,s:o,s:s,s:I,s:I,s:O}",
        "name", a->name != NULL ? a->name : "default",
        "login", creds_login_name(a->login),
        "user_id", str_or_null(a->user_id),
        "username", str_or_null(a->username),
        "page_id", str_or_null(a->page_id),
        "token", a->token != NULL ? a->token : "",
        "token_issued_at", (json_int_t)a->token_issued_at,
        "token_expires_at", (json_int_t)a->token_expires_at,
        "scopes", a->scopes != NULL ? a->scopes : json_null()));
  }
  return json_pack("{s:i,s:o,s:o}", "version", 1, "apps", apps, "accounts",
                   list);
}

/* mkdir -p for the file's parent, each new level 0700. */
static int
make_parent(const char *path, struct err *e)
{
  char *dir = xstrdup(path), *p;

  for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
    *p = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
      err_set(e, ERR_IO, "credentials: cannot create %s: %s", dir,
              strerror(errno));
      free(dir);
      return ERR_IO;
    }
    *p = '/';
  }
  free(dir);
  return 0;
}

int
creds_save(const struct creds *c, struct err *e)
{
  json_t *root;
  char *text, *tmp;
  size_t len, off = 0;
  int fd, rc = 0;

  if (c->path == NULL)
    return err_set(e, ERR_CONFIG, "credentials: no file to write");
  if (make_parent(c->path, e) != 0)
    return ERR_IO;
  root = to_json(c);
  text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (text == NULL)
    return err_set(e, ERR_INTERNAL, "credentials: cannot serialise");
  len = strlen(text);
  tmp = xasprintf("%s.tmp.%ld", c->path, (long)getpid());
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    rc = err_set(e, ERR_IO, "credentials: cannot create %s: %s", tmp,
                 strerror(errno));
    goto out;
  }
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  if (off < len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
    rc = err_set(e, ERR_IO, "credentials: writing %s failed: %s", tmp,
                 strerror(errno));
    close(fd);
    unlink(tmp);
    goto out;
  }
  if (close(fd) != 0 || rename(tmp, c->path) != 0) {
    rc = err_set(e, ERR_IO, "credentials: replacing %s failed: %s",
                 c->path, strerror(errno));
    unlink(tmp);
  }
out:
  explicit_bzero(text, len);
  free(text);
  free(tmp);
  return rc;
}

struct cred_account *
creds_find(struct creds *c, const char *who)
{
  if (c->naccounts == 0)
    return NULL;
  if (who == NULL || *who == '\0')
    return &c->accounts[0];
  for (size_t i = 0; i < c->naccounts; i++) {
    struct cred_account *a = &c->accounts[i];
    const char *u = who[0] == '@' ? who + 1 : who;
    if ((a->name != NULL && strcmp(a->name, who) == 0) ||
        (a->user_id != NULL && strcmp(a->user_id, who) == 0) ||
        (a->page_id != NULL && strcmp(a->page_id, who) == 0) ||
        (a->username != NULL && strcasecmp(a->username, u) == 0))
      return a;
  }
  return NULL;
}

void
creds_account_free(struct cred_account *a)
{
  if (a == NULL)
    return;
  free(a->name);
  free(a->user_id);
  free(a->username);
  free(a->page_id);
  if (a->token != NULL)
    explicit_bzero(a->token, strlen(a->token));
  free(a->token);
  json_decref(a->scopes);
  memset(a, 0, sizeof(*a));
}

static void
copy_account(struct cred_account *dst, const struct cred_account *src)
{
  dst->name = dup_or_null(src->name);
  dst->login = src->login;
  dst->user_id = dup_or_null(src->user_id);
  dst->username = dup_or_null(src->username);
  dst->page_id = dup_or_null(src->page_id);
  dst->token = dup_or_null(src->token);
  dst->token_issued_at = src->token_issued_at;
  dst->token_expires_at = src->token_expires_at;
  dst->scopes = src->scopes != NULL ? json_deep_copy(src->scopes) : NULL;
  if (dst->name == NULL)
    dst->name = xstrdup(dst->username != NULL ? dst->username
                        : dst->user_id != NULL ? dst->user_id : "default");
  log_add_secret(dst->token);
}

struct cred_account *
creds_put(struct creds *c, const struct cred_account *a)
{
  struct cred_account *old = NULL;

  for (size_t i = 0; i < c->naccounts && old == NULL; i++) {
    struct cred_account *x = &c->accounts[i];
    if ((a->user_id != NULL && x->user_id != NULL &&
         strcmp(a->user_id, x->user_id) == 0) ||
        (a->name != NULL && x->name != NULL && strcmp(a->name, x->name) == 0))
      old = x;
  }
  if (old != NULL) {
    struct cred_account tmp;
    copy_account(&tmp, a);
    creds_account_free(old);
    *old = tmp;
    return old;
  }
  c->accounts = xrealloc(c->accounts, (c->naccounts + 1) * sizeof(*c->accounts));
  copy_account(&c->accounts[c->naccounts], a);
  return &c->accounts[c->naccounts++];
}

int
creds_remove(struct creds *c, const char *who)
{
  struct cred_account *a = creds_find(c, who);
  size_t i;

  if (a == NULL || who == NULL || *who == '\0')
    return -1;
  i = (size_t)(a - c->accounts);
  creds_account_free(a);
  memmove(&c->accounts[i], &c->accounts[i + 1],
          (c->naccounts - i - 1) * sizeof(*c->accounts));
  c->naccounts--;
  return 0;
}

void
creds_free(struct creds *c)
{
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->naccounts; i++)
    creds_account_free(&c->accounts[i]);
  free(c->accounts);
  free(c->ig_app.app_id);
  free(c->ig_app.app_secret);
  free(c->fb_app.app_id);
  free(c->fb_app.app_secret);
  free(c->path);
  memset(c, 0, sizeof(*c));
}
