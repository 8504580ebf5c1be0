/* SPDX-License-Identifier: MIT */
/*
 * login.c: `igmcp login`, connecting an account.  It prints the
 * authorization URL, takes the code from a loopback callback (a small
 * libmicrohttpd listener on 127.0.0.1) or pasted (--code, or on stdin),
 * trades it for a long-lived token, finds the account and stores it in
 * the credentials file (credentials.h).
 *
 * Instagram Login: www.instagram.com/oauth/authorize, POST
 * api.instagram.com/oauth/access_token (errors in a flat shape), then
 * graph.instagram.com/access_token?grant_type=ig_exchange_token (60 days)
 * and /me.  Facebook Login: www.facebook.com/v25.0/dialog/oauth, the code
 * exchange and fb_exchange_token on graph.facebook.com, then /me/accounts
 * for the Page and its token (from a long-lived user token, it does not
 * expire).  With --sandbox every URL is the sandbox's (--graph-url or
 * IG_GRAPH_URL: a running `igmcp sandbox`), with its app.
 *
 * No token, code or app secret is printed: each is registered for log
 * redaction as soon as it is known, and the summary shows a preview.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/url.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "cli/credentials.h"
#include "sandbox/sandbox.h"

#define LOGIN_VERSION "v25.0"
#define LOGIN_BODY_MAX (1024 * 1024)
#define DEFAULT_PORT 8765
#define DEFAULT_TIMEOUT 600

static const char ig_scopes[] =
  "instagram_business_basic,instagram_business_manage_messages,"
  "instagram_business_manage_comments,instagram_business_content_publish,"
  "instagram_business_manage_insights";
static const char fb_scopes[] =
  "instagram_basic,instagram_manage_messages,instagram_manage_comments,"
  "instagram_content_publish,instagram_manage_insights,pages_show_list,"
  "pages_read_engagement,pages_manage_metadata,business_management";

struct login {
  int fb, sandbox, no_wait;
  const char *app_id, *app_secret;
  char *redirect_uri;
  const char *code_arg;      /* --code: a code or the redirected URL */
  const char *name, *page_id;
  long port, timeout;
  /* Endpoints. */
  char *dialog_url, *exchange_url, *graph;   /* graph: no version */
  char state[33];
  /* The callback's result, under mu. */
  pthread_mutex_t mu;
  char *code;
  char *error;               /* the user refused, or a bad state */
  char cb_path[256];
};

enum {
  OPT_FACEBOOK = 1000, OPT_APP_ID, OPT_REDIRECT, OPT_PORT, OPT_CODE,
  OPT_NAME, OPT_PAGE, OPT_NO_WAIT, OPT_SANDBOX, OPT_GRAPH_URL, OPT_TIMEOUT,
};

static const struct option login_opts[] = {
  { "facebook", no_argument, NULL, OPT_FACEBOOK },
  { "app-id", required_argument, NULL, OPT_APP_ID },
  { "redirect-uri", required_argument, NULL, OPT_REDIRECT },
  { "port", required_argument, NULL, OPT_PORT },
  { "code", required_argument, NULL, OPT_CODE },
  { "name", required_argument, NULL, OPT_NAME },
  { "page-id", required_argument, NULL, OPT_PAGE },
  { "no-wait", no_argument, NULL, OPT_NO_WAIT },
  { "sandbox", no_argument, NULL, OPT_SANDBOX },
  { "graph-url", required_argument, NULL, OPT_GRAPH_URL },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "verbose", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
login_usage(FILE *out)
{
  fprintf(out,
    "usage: igmcp login [--facebook] [--app-id ID] [--redirect-uri URI |\n"
    "                   --port N] [--code CODE|URL] [--name NAME]\n"
    "                   [--page-id ID] [--no-wait] [--timeout S]\n"
    "                   [--sandbox --graph-url URL]\n"
    "\n"
    "Connects an Instagram professional account and stores it in the\n"
    "credentials file ($IGMCP_CONFIG, else\n"
    "~/.config/igmcp/credentials.json, mode 0600).  Open the printed URL,\n"
    "allow access, and the browser comes back to igmcp on\n"
    "http://localhost:PORT/callback; or paste the address the browser\n"
    "ended on (on stdin, or later with --code).\n"
    "\n"
    "  --facebook       Facebook Login (a Page token) instead of\n"
    "                   Instagram Login\n"
    "  --app-id ID      the Meta app (default: IG_APP_ID, then the file);\n"
    "                   its secret comes only from IG_APP_SECRET or the file\n"
    "  --redirect-uri U the redirect URI set in the app (default:\n"
    "                   http://localhost:PORT/callback)\n"
    "  --port N         the loopback callback's port (default: %d; 0 picks\n"
    "                   a free one)\n"
    "  --code C         finish with a code, or the whole redirected URL\n"
    "  --name NAME      the account's name in the file (default: username)\n"
    "  --page-id ID     Facebook Login: the Page (default: the first with\n"
    "                   an Instagram account)\n"
    "  --no-wait        do not prompt for a pasted URL; only the callback\n"
    "                   finishes\n"
    "  --timeout S      give up after S seconds (default: %d)\n"
    "  --sandbox        log in to a running `igmcp sandbox` (its app; the\n"
    "                   URL from --graph-url or IG_GRAPH_URL)\n",
    DEFAULT_PORT, DEFAULT_TIMEOUT);
}

/* ---- HTTP ------------------------------------------------------------- */

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
  return buf_append(ud, p, sz * n) == 0 ? sz * n : 0;
}

/* GET url, or POST form to it.  *out gets the JSON answer (new; NULL when
 * not JSON).  Returns the HTTP status, or -1 with errbuf set. */
static long
http_json(const char *url, const char *form, json_t **out, char *errbuf,
          size_t errlen)
{
  CURL *c = curl_easy_init();
  struct buf b;
  char cerr[CURL_ERROR_SIZE] = "";
  long status = -1;
  CURLcode rc;

  *out = NULL;
  if (c == NULL) {
    snprintf(errbuf, errlen, "curl_easy_init failed");
    return -1;
  }
  buf_init(&b, LOGIN_BODY_MAX);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "igmcp/" IGMCP_VERSION);
  if (form != NULL)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
  rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    snprintf(errbuf, errlen, "%s", cerr[0] != '\0' ? cerr
                                                   : curl_easy_strerror(rc));
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    *out = json_loadb(buf_cstr(&b), b.len, 0, NULL);
  }
  buf_free(&b);
  curl_easy_cleanup(c);
  return status;
}

/* The message of an error answer in any of Meta's shapes: the Graph
 * envelope {"error":{"message",...}}, or the flat one of
 * api.instagram.com {"error_type","code","error_message"}. */
static void
error_text(const json_t *j, long status, char *out, size_t n)
{
  const json_t *e = json_object_get(j, "error");
  const char *msg = NULL, *type = NULL;
  long long code = 0, sub = 0;

  if (json_is_object(e)) {
    msg = json_string_value(json_object_get(e, "message"));
    type = json_string_value(json_object_get(e, "type"));
    code = json_integer_value(json_object_get(e, "code"));
    sub = json_integer_value(json_object_get(e, "error_subcode"));
  } else if (json_object_get(j, "error_message") != NULL) {
    msg = json_string_value(json_object_get(j, "error_message"));
    type = json_string_value(json_object_get(j, "error_type"));
    code = json_integer_value(json_object_get(j, "code"));
  } else if (json_is_string(e)) { /* OAuth-style {"error":"access_denied"} */
    msg = json_string_value(e);
  }
  if (msg == NULL)
    snprintf(out, n, "HTTP %ld with no error message", status);
  else if (sub != 0)
    snprintf(out, n, "%s (%s %lld/%lld)", msg, type ? type : "error", code,
             sub);
  else
    snprintf(out, n, "%s (%s %lld)", msg, type ? type : "error", code);
  log_redact(out, (unsigned long)n);
}

/* What to do about a failed code exchange. */
static const char *
exchange_hint(const char *text)
{
  if (strstr(text, "has been used") != NULL || strstr(text, "expired"))
    return "a code works once and for an hour: run `igmcp login` again for "
           "a new one";
  if (strstr(text, "redirect_uri") != NULL)
    return "the redirect URI must be exactly the one the authorization used "
           "(and listed in the app): pass the same --redirect-uri or --port";
  if (strstr(text, "client secret") != NULL ||
      strstr(text, "application") != NULL || strstr(text, "platform app"))
    return "check IG_APP_ID and IG_APP_SECRET: the app's id and secret "
           "(Instagram Login: the Instagram app id and secret shown under "
           "Instagram > API setup with Instagram login)";
  return "run `igmcp login` again; if it keeps failing, check the app's "
         "settings in the Meta dashboard";
}

/* Appends "&name=value" (or "name=value" first) URL-encoded. */
static void
param(struct buf *b, const char *name, const char *value)
{
  if (b->len > 0 && buf_cstr(b)[b->len - 1] != '?')
    buf_putc(b, '&');
  buf_puts(b, name);
  buf_putc(b, '=');
  url_encode(b, value);
}

/* A preview of a secret: its first 6 characters and its length. */
static void
preview(const char *tok, char *out, size_t n)
{
  snprintf(out, n, "%.6s…(%zu chars)", tok, strlen(tok));
}

/* ---- the code ---------------------------------------------------------- */

/* The code from a pasted code or redirected URL (Meta appends "#_" or
 * "#_=_").  *state_out gets the URL's state when there is one, and
 * *redirect_out the URL without its query (both new, or NULL).  Returns a
 * new string, or NULL with *error set for a URL that carries an error. */
static char *
parse_pasted(const char *in, char **state_out, char **redirect_out,
             char **error)
{
  const char *q = strchr(in, '?');
  char *s, *code = NULL, *save = NULL, *hash;
  size_t n;

  *state_out = *redirect_out = *error = NULL;
  while (*in == ' ' || *in == '\t')
    in++;
  s = xstrdup(q != NULL ? q + 1 : in);
  n = strcspn(s, "\r\n");
  s[n] = '\0';
  if ((hash = strchr(s, '#')) != NULL)
    *hash = '\0';
  if (q == NULL) {
    if (s[0] == '\0') {
      free(s);
      return NULL;
    }
    return s;
  }
  *redirect_out = xstrndup(in, (size_t)(q - in));
  for (char *kv = strtok_r(s, "&", &save); kv != NULL;
       kv = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(kv, '=');
    if (eq == NULL)
      continue;
    *eq++ = '\0';
    url_decode(eq);
    if (strcmp(kv, "code") == 0 && code == NULL)
      code = xstrdup(eq);
    else if (strcmp(kv, "state") == 0 && *state_out == NULL)
      *state_out = xstrdup(eq);
    else if ((strcmp(kv, "error_description") == 0 ||
              strcmp(kv, "error_reason") == 0 ||
              strcmp(kv, "error") == 0) && *error == NULL)
      *error = xstrdup(eq);
  }
  free(s);
  return code;
}

/* ---- the loopback callback -------------------------------------------- */

static const char page_ok[] =
  "<!doctype html><meta charset=utf-8><title>igmcp</title>"
  "<p>igmcp received the authorization. You can close this tab and go "
  "back to the terminal.</p>";
static const char page_bad[] =
  "<!doctype html><meta charset=utf-8><title>igmcp</title>"
  "<p>igmcp could not use this answer (see the terminal).</p>";

static enum MHD_Result
on_callback(void *cls, struct MHD_Connection *c, const char *url,
            const char *method, const char *version, const char *upload,
            size_t *upload_size, void **con_cls)
{
  struct login *l = cls;
  const char *code, *state, *err;
  const char *page = page_bad;
  unsigned status = 400;
  struct MHD_Response *resp;
  enum MHD_Result ret;

  (void)version;
  (void)upload;
  (void)upload_size;
  (void)con_cls;
  if (strcmp(method, "GET") != 0 || strcmp(url, l->cb_path) != 0) {
    page = "<!doctype html><title>igmcp</title><p>Not found.</p>";
    status = 404;
    goto answer;
  }
  code = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code");
  state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
  err = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                    "error_description");
  if (err == NULL)
    err = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "error");
  pthread_mutex_lock(&l->mu);
  if (l->code == NULL && l->error == NULL) {
    if (state == NULL || strcmp(state, l->state) != 0) {
      /* Not our authorization (or forged): ignored, keep waiting. */
      log_warnx("login: a callback with a wrong state was ignored");
    } else if (code != NULL && *code != '\0') {
      l->code = xstrdup(code);
      log_add_secret(l->code);
      page = page_ok;
      status = 200;
    } else {
      l->error = xstrdup(err != NULL ? err : "no code in the callback");
    }
  }
  pthread_mutex_unlock(&l->mu);
answer:
  resp = MHD_create_response_from_buffer(strlen(page), (void *)page,
                                         MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* The redirect URI's port and path when it is a loopback http URL we can
 * listen on; -1 otherwise. */
static long
loopback_port(const char *uri, char *path, size_t n)
{
  static const char *const hosts[] = { "http://localhost:",
                                       "http://127.0.0.1:", NULL };
  const char *p = NULL;
  char *end;
  long port;

  for (size_t i = 0; hosts[i] != NULL; i++)
    if (strncmp(uri, hosts[i], strlen(hosts[i])) == 0)
      p = uri + strlen(hosts[i]);
  if (p == NULL)
    return -1;
  errno = 0;
  port = strtol(p, &end, 10);
  if (errno != 0 || end == p || port < 1 || port > 65535 ||
      (*end != '/' && *end != '\0'))
    return -1;
  snprintf(path, n, "%.*s", (int)strcspn(*end ? end : "/", "?#"),
           *end ? end : "/");
  return port;
}

/* The callback listener on 127.0.0.1 (or ::1) port; NULL on failure. */
static struct MHD_Daemon *
listen_loopback(struct login *l, uint16_t port, int v6)
{
  struct sockaddr_in sa;
  struct sockaddr_in6 sa6;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

  memset(&sa, 0, sizeof(sa));
  memset(&sa6, 0, sizeof(sa6));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa6.sin6_family = AF_INET6;
  sa6.sin6_port = htons(port);
  sa6.sin6_addr = in6addr_loopback;
  if (l->cb_path[0] == '\0')
    snprintf(l->cb_path, sizeof(l->cb_path), "/callback");
  return MHD_start_daemon(flags | (v6 ? MHD_USE_IPv6 : 0), port, NULL, NULL,
                          on_callback, l, MHD_OPTION_SOCK_ADDR,
                          v6 ? (struct sockaddr *)&sa6
                             : (struct sockaddr *)&sa,
                          MHD_OPTION_END);
}

/* Waits for the callback or a pasted URL on stdin (unless --no-wait; at
 * the end of stdin only the callback is left, if there is one).
 * Returns the code (new) or NULL with a message printed. */
static char *
wait_code(struct login *l, struct MHD_Daemon *d)
{
  time_t until = time(NULL) + l->timeout;
  int read_stdin = !l->no_wait;
  char line[8192];
  char *code = NULL;

  while (time(NULL) < until) {
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    pthread_mutex_lock(&l->mu);
    if (l->code != NULL) {
      code = l->code;
      l->code = NULL;
    } else if (l->error != NULL) {
      fprintf(stderr, "igmcp: the authorization failed: %s\n", l->error);
      pthread_mutex_unlock(&l->mu);
      return NULL;
    }
    pthread_mutex_unlock(&l->mu);
    if (code != NULL)
      return code;
    if (!read_stdin) {
      struct timespec ts = { 0, 100 * 1000 * 1000 };
      nanosleep(&ts, NULL);
      continue;
    }
    if (poll(&pfd, 1, 100) == 1) {
      char *st, *redir, *err;
      if (fgets(line, sizeof(line), stdin) == NULL) {
        read_stdin = 0;
        if (d == NULL) {
          fprintf(stderr, "igmcp: nothing can receive the code: use "
                  "--code with the redirected URL\n");
          return NULL;
        }
        continue;
      }
      code = parse_pasted(line, &st, &redir, &err);
      if (err != NULL) {
        fprintf(stderr, "igmcp: the authorization failed: %s\n", err);
        free(code);
        code = NULL;
      } else if (st != NULL && strcmp(st, l->state) != 0) {
        fprintf(stderr, "igmcp: that URL belongs to another authorization "
                "(its state differs); paste the one from this login\n");
        free(code);
        code = NULL;
      } else if (code == NULL) {
        fprintf(stderr, "igmcp: no code in that; paste the whole address "
                "the browser ended on\n");
      }
      free(st);
      free(redir);
      free(err);
      if (code != NULL) {
        log_add_secret(code);
        return code;
      }
    }
  }
  fprintf(stderr, "igmcp: no authorization after %ld seconds; run `igmcp "
          "login` again\n", l->timeout);
  return NULL;
}

/* ---- the exchanges ------------------------------------------------------ */

/* A token-granting request; *out the answer on 200.  Prints what failed
 * with a hint and returns -1 otherwise. */
static int
token_call(const char *what, const char *url, const char *form,
           json_t **out)
{
  char err[512], text[600];
  long st = http_json(url, form, out, err, sizeof(err));

  if (st < 0) {
    log_redact(err, sizeof(err));
    fprintf(stderr, "igmcp: %s: %s\n", what, err);
    return -1;
  }
  if (st != 200 || !json_is_object(*out) ||
      json_object_get(*out, "error") != NULL ||
      json_object_get(*out, "error_message") != NULL) {
    error_text(*out, st, text, sizeof(text));
    fprintf(stderr, "igmcp: %s failed: %s\n  %s\n", what, text,
            exchange_hint(text));
    json_decref(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}

/* Takes a string member as a new registered secret, or NULL. */
static char *
take_secret(const json_t *o, const char *key)
{
  const char *v = json_string_value(json_object_get(o, key));

  if (v == NULL || *v == '\0')
    return NULL;
  log_add_secret(v);
  return xstrdup(v);
}

/* A json id that may be a number or a string, as a new string. */
static char *
id_string(const json_t *v)
{
  if (json_is_string(v))
    return xstrdup(json_string_value(v));
  if (json_is_integer(v))
    return xasprintf("%lld", (long long)json_integer_value(v));
  return NULL;
}

/* The scopes as an array: from an array or a comma-separated string. */
static json_t *
scopes_of(const json_t *v)
{
  json_t *a;
  char *s, *save = NULL;

  if (json_is_array(v))
    return json_deep_copy(v);
  if (!json_is_string(v))
    return NULL;
  a = json_array();
  s = xstrdup(json_string_value(v));
  for (char *t = strtok_r(s, ",", &save); t != NULL;
       t = strtok_r(NULL, ",", &save))
    json_array_append_new(a, json_string(t));
  free(s);
  return a;
}

static int
ig_login(struct login *l, const char *code, struct cred_account *a)
{
  struct buf b;
  json_t *j = NULL, *d;
  char *short_tok = NULL;
  int rc = -1;
  long long expires_in;

  buf_init(&b, 65536);
  param(&b, "client_id", l->app_id);
  param(&b, "client_secret", l->app_secret);
  param(&b, "grant_type", "authorization_code");
  param(&b, "redirect_uri", l->redirect_uri);
  param(&b, "code", code);
  if (token_call("the code exchange", l->exchange_url, buf_cstr(&b), &j) != 0)
    goto out;
  /* The documented {"data":[{...}]} or the flat answer seen live. */
  d = json_object_get(j, "data");
  d = json_is_array(d) ? json_array_get(d, 0) : j;
  short_tok = take_secret(d, "access_token");
  a->user_id = id_string(json_object_get(d, "user_id"));
  a->scopes = scopes_of(json_object_get(d, "permissions"));
  json_decref(j);
  j = NULL;
  if (short_tok == NULL) {
    fprintf(stderr, "igmcp: the code exchange answered without a token\n");
    goto out;
  }

  buf_reset(&b);
  buf_printf(&b, "%s/access_token?", l->graph);
  param(&b, "grant_type", "ig_exchange_token");
  param(&b, "client_secret", l->app_secret);
  param(&b, "access_token", short_tok);
  if (token_call("the long-lived token exchange", buf_cstr(&b), NULL, &j)
      != 0)
    goto out;
  a->token = take_secret(j, "access_token");
  expires_in = json_integer_value(json_object_get(j, "expires_in"));
  json_decref(j);
  j = NULL;
  if (a->token == NULL) {
    fprintf(stderr, "igmcp: the long-lived exchange answered without a "
            "token\n");
    goto out;
  }
  a->token_issued_at = (int64_t)time(NULL);
  a->token_expires_at = expires_in > 0 ? a->token_issued_at + expires_in : 0;

  buf_reset(&b);
  buf_printf(&b, "%s/%s/me?", l->graph, LOGIN_VERSION);
  param(&b, "fields", "user_id,username,account_type");
  param(&b, "access_token", a->token);
  if (token_call("reading the account (/me)", buf_cstr(&b), NULL, &j) != 0)
    goto out;
  if (json_is_string(json_object_get(j, "username")))
    a->username = xstrdup(json_string_value(json_object_get(j, "username")));
  if (json_object_get(j, "user_id") != NULL) {
    free(a->user_id);
    a->user_id = id_string(json_object_get(j, "user_id"));
  }
  {
    const char *t = json_string_value(json_object_get(j, "account_type"));
    if (t != NULL && strcmp(t, "BUSINESS") != 0 &&
        strcmp(t, "MEDIA_CREATOR") != 0)
      fprintf(stderr, "igmcp: note: the account type is %s; the API serves "
              "professional (Business or Creator) accounts\n", t);
  }
  if (a->user_id == NULL || a->username == NULL) {
    fprintf(stderr, "igmcp: /me answered without user_id or username\n");
    goto out;
  }
  rc = 0;
out:
  json_decref(j);
  free(short_tok);
  buf_free(&b);
  return rc;
}

static int
fb_login(struct login *l, const char *code, struct cred_account *a)
{
  struct buf b;
  json_t *j = NULL, *data, *page = NULL;
  char *user = NULL, *luser = NULL;
  int rc = -1;
  size_t i;

  buf_init(&b, 65536);
  buf_printf(&b, "%s/%s/oauth/access_token?", l->graph, LOGIN_VERSION);
  param(&b, "client_id", l->app_id);
  param(&b, "redirect_uri", l->redirect_uri);
  param(&b, "client_secret", l->app_secret);
  param(&b, "code", code);
  if (token_call("the code exchange", buf_cstr(&b), NULL, &j) != 0)
    goto out;
  user = take_secret(j, "access_token");
  json_decref(j);
  j = NULL;
  if (user == NULL) {
    fprintf(stderr, "igmcp: the code exchange answered without a token\n");
    goto out;
  }

  buf_reset(&b);
  buf_printf(&b, "%s/%s/oauth/access_token?", l->graph, LOGIN_VERSION);
  param(&b, "grant_type", "fb_exchange_token");
  param(&b, "client_id", l->app_id);
  param(&b, "client_secret", l->app_secret);
  param(&b, "fb_exchange_token", user);
  if (token_call("the long-lived token exchange", buf_cstr(&b), NULL, &j)
      != 0)
    goto out;
  luser = take_secret(j, "access_token");
  json_decref(j);
  j = NULL;
  if (luser == NULL) {
    fprintf(stderr, "igmcp: the long-lived exchange answered without a "
            "token\n");
    goto out;
  }

  buf_reset(&b);
  buf_printf(&b, "%s/%s/me/accounts?", l->graph, LOGIN_VERSION);
  param(&b, "fields", "id,name,access_token,"
        "instagram_business_account{id,username}");
  param(&b, "limit", "100");
  param(&b, "access_token", luser);
  if (token_call("listing the Pages (/me/accounts)", buf_cstr(&b), NULL, &j)
      != 0)
    goto out;
  data = json_object_get(j, "data");
  for (i = 0; i < json_array_size(data); i++) {
    json_t *p = json_array_get(data, i);
    json_t *ig = json_object_get(p, "instagram_business_account");
    const char *id = json_string_value(json_object_get(p, "id"));
    if (json_is_string(json_object_get(p, "access_token")))
      log_add_secret(json_string_value(json_object_get(p, "access_token")));
    if (l->page_id != NULL ? (id != NULL && strcmp(id, l->page_id) == 0)
                           : (page == NULL && json_is_object(ig)))
      page = p;
  }
  if (page == NULL || !json_is_object(json_object_get(
                          page, "instagram_business_account"))) {
    fprintf(stderr, "igmcp: %s; the Pages this login can see:\n",
            l->page_id != NULL && page == NULL
                ? "no such Page among this user's"
                : "no Page with an Instagram professional account");
    for (i = 0; i < json_array_size(data); i++) {
      json_t *p = json_array_get(data, i);
      json_t *ig = json_object_get(p, "instagram_business_account");
      fprintf(stderr, "  %s  %s%s%s\n",
              json_string_value(json_object_get(p, "id")),
              json_string_value(json_object_get(p, "name")),
              json_is_object(ig) ? "  @" : "  (no Instagram account)",
              json_is_object(ig) && json_string_value(json_object_get(
                                        ig, "username"))
                  ? json_string_value(json_object_get(ig, "username")) : "");
    }
    fprintf(stderr, "  link the Instagram account to a Page (Instagram app: "
            "Settings > Business tools), then log in again with --page-id\n");
    goto out;
  }
  {
    json_t *ig = json_object_get(page, "instagram_business_account");
    a->page_id = xstrdup(json_string_value(json_object_get(page, "id")));
    a->user_id = id_string(json_object_get(ig, "id"));
    a->username = json_is_string(json_object_get(ig, "username"))
        ? xstrdup(json_string_value(json_object_get(ig, "username")))
        : xstrdup(a->user_id != NULL ? a->user_id : "");
    a->token = take_secret(page, "access_token");
  }
  if (a->token == NULL || a->user_id == NULL) {
    fprintf(stderr, "igmcp: the Page came without a token or account id "
            "(the login needs pages_show_list and instagram_basic)\n");
    goto out;
  }
  /* A Page token from a long-lived user token does not expire. */
  a->token_issued_at = (int64_t)time(NULL);
  a->token_expires_at = 0;
  rc = 0;
out:
  json_decref(j);
  free(user);
  free(luser);
  buf_free(&b);
  return rc;
}

/* ---- the command ------------------------------------------------------- */

/* App id and secret: flags and environment first, then the file. */
static int
pick_app(struct login *l, const struct creds *c)
{
  const struct cred_app *saved = l->fb ? &c->fb_app : &c->ig_app;
  const char *env_id = getenv("IG_APP_ID");
  const char *env_secret = getenv("IG_APP_SECRET");

  if (l->sandbox) {
    l->app_id = SANDBOX_APP_ID;
    l->app_secret = SANDBOX_APP_SECRET;
    return 0;
  }
  if (l->app_id == NULL)
    l->app_id = env_id != NULL && *env_id ? env_id : saved->app_id;
  l->app_secret = env_secret != NULL && *env_secret ? env_secret
                                                    : saved->app_secret;
  if (l->app_id == NULL || l->app_secret == NULL) {
    fprintf(stderr, "igmcp: login needs the Meta app's %s: set %s (see "
            "README, \"Connect an account\")\n",
            l->app_id == NULL && l->app_secret == NULL ? "id and secret"
            : l->app_id == NULL ? "id" : "secret",
            l->app_id == NULL && l->app_secret == NULL
                ? "IG_APP_ID and IG_APP_SECRET"
                : l->app_id == NULL ? "IG_APP_ID or --app-id"
                                    : "IG_APP_SECRET");
    return -1;
  }
  log_add_secret(l->app_secret);
  return 0;
}

static int
pick_urls(struct login *l, const char *base_override)
{
  if (l->sandbox) {
    const char *b = base_override != NULL ? base_override
                                          : getenv("IG_GRAPH_URL");
    size_t n;
    if (b == NULL || *b == '\0') {
      fprintf(stderr, "igmcp: login --sandbox needs a running sandbox: "
              "start `igmcp sandbox` and pass its URL with --graph-url "
              "(or IG_GRAPH_URL)\n");
      return -1;
    }
    n = strlen(b);
    while (n > 0 && b[n - 1] == '/')
      n--;
    l->graph = xstrndup(b, n);
    l->dialog_url = xasprintf("%s/%s", l->graph, l->fb
                              ? LOGIN_VERSION "/dialog/oauth"
                              : "oauth/authorize");
    l->exchange_url = xasprintf("%s/oauth/access_token", l->graph);
    return 0;
  }
  if (l->fb) {
    l->graph = xstrdup("https://graph.facebook.com");
    l->dialog_url = xstrdup("https://www.facebook.com/" LOGIN_VERSION
                            "/dialog/oauth");
  } else {
    l->graph = xstrdup("https://graph.instagram.com");
    l->dialog_url = xstrdup("https://www.instagram.com/oauth/authorize");
  }
  l->exchange_url = xstrdup("https://api.instagram.com/oauth/access_token");
  return 0;
}

static char *
auth_url(const struct login *l)
{
  struct buf b;

  buf_init(&b, 65536);
  buf_printf(&b, "%s?", l->dialog_url);
  param(&b, "client_id", l->app_id);
  param(&b, "redirect_uri", l->redirect_uri);
  param(&b, "response_type", "code");
  param(&b, "scope", l->fb ? fb_scopes : ig_scopes);
  param(&b, "state", l->state);
  return buf_steal(&b);
}

static int
parse_num(const char *flag, const char *s, long lo, long hi, long *out)
{
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr, "igmcp: %s wants a number from %ld to %ld\n", flag, lo,
            hi);
    return -1;
  }
  *out = v;
  return 0;
}

int
cli_login(int argc, char **argv)
{
  struct login l;
  struct creds c;
  struct cred_account a;
  struct err e = { 0 };
  struct MHD_Daemon *d = NULL, *d6 = NULL;
  const char *base_override = NULL;
  char *path = NULL, *code = NULL, *url = NULL;
  char tokpv[64], exp[64];
  int opt, rc = 1, verbose = 0;

  memset(&l, 0, sizeof(l));
  memset(&c, 0, sizeof(c));
  memset(&a, 0, sizeof(a));
  pthread_mutex_init(&l.mu, NULL);
  l.port = DEFAULT_PORT;
  l.timeout = DEFAULT_TIMEOUT;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "vh", login_opts, NULL)) != -1) {
    switch (opt) {
    case OPT_FACEBOOK: l.fb = 1; break;
    case OPT_APP_ID: l.app_id = optarg; break;
    case OPT_REDIRECT: l.redirect_uri = xstrdup(optarg); break;
    case OPT_CODE: l.code_arg = optarg; break;
    case OPT_NAME: l.name = optarg; break;
    case OPT_PAGE: l.page_id = optarg; break;
    case OPT_NO_WAIT: l.no_wait = 1; break;
    case OPT_SANDBOX: l.sandbox = 1; break;
    case OPT_GRAPH_URL: base_override = optarg; break;
    case OPT_PORT:
      if (parse_num("--port", optarg, 0, 65535, &l.port) != 0)
        goto usage;
      break;
    case OPT_TIMEOUT:
      if (parse_num("--timeout", optarg, 1, 86400, &l.timeout) != 0)
        goto usage;
      break;
    case 'v': verbose++; break;
    case 'h':
      login_usage(stdout);
      rc = 0;
      goto out;
    default:
      goto usage;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "igmcp: login takes no argument \"%s\"\n", argv[optind]);
    goto usage;
  }
  if (verbose > 0)
    log_set_stderr_level(verbose > 1 ? LOG_DEBUG : LOG_INFO);
  path = creds_default_path();
  if (path == NULL) {
    fprintf(stderr, "igmcp: no place for the credentials file: set "
            "IGMCP_CONFIG or HOME\n");
    goto out;
  }
  if (creds_load(path, &c, &e) != 0) {
    fprintf(stderr, "igmcp: %s\n", e.msg);
    goto out;
  }
  if (pick_app(&l, &c) != 0 || pick_urls(&l, base_override) != 0)
    goto out;
  if (crypto_random_hex(l.state, 16) != 0) {
    fprintf(stderr, "igmcp: no random bytes for the state\n");
    goto out;
  }

  if (l.code_arg != NULL) {
    char *st = NULL, *redir = NULL, *err = NULL;
    code = parse_pasted(l.code_arg, &st, &redir, &err);
    if (l.redirect_uri == NULL && redir != NULL)
      l.redirect_uri = xstrdup(redir);
    free(st);
    free(redir);
    if (err != NULL || code == NULL) {
      fprintf(stderr, "igmcp: %s%s\n", err != NULL
              ? "the authorization failed: " : "no code in --code",
              err != NULL ? err : "");
      free(err);
      goto out;
    }
    log_add_secret(code);
    if (l.redirect_uri == NULL)
      l.redirect_uri = xasprintf("http://localhost:%ld/callback", l.port);
  } else {
    long port = -1;
    if (l.redirect_uri == NULL) {
      if (l.port == 0) {
        /* A free port first, then the URI that names it. */
        d = listen_loopback(&l, 0, 0);
        if (d != NULL)
          l.port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
      }
      l.redirect_uri = xasprintf("http://localhost:%ld/callback", l.port);
    }
    port = loopback_port(l.redirect_uri, l.cb_path, sizeof(l.cb_path));
    if (d == NULL && port > 0) {
      d = listen_loopback(&l, (uint16_t)port, 0);
      if (d == NULL)
        fprintf(stderr, "igmcp: cannot listen on 127.0.0.1:%ld (in use?)\n",
                port);
    }
    /* Browsers may try localhost on ::1 first: listen there too. */
    if (d != NULL && strncmp(l.redirect_uri, "http://localhost:", 17) == 0)
      d6 = listen_loopback(&l, (uint16_t)port, 1);
    if (port <= 0 && l.no_wait) {
      fprintf(stderr, "igmcp: %s is not a loopback http URL igmcp can "
              "listen on; without --no-wait, paste the address the "
              "browser ends on\n", l.redirect_uri);
      goto out;
    }
    if (d == NULL && l.no_wait) {
      fprintf(stderr, "igmcp: nothing can receive the code: use --code "
              "with the redirected URL\n");
      goto out;
    }
    url = auth_url(&l);
    printf("Open this URL in a browser, log in and allow access:\n\n  %s\n\n",
           url);
    if (d != NULL)
      printf("Waiting for the browser on %s ...\n", l.redirect_uri);
    if (!l.no_wait)
      printf("Or paste here the address the browser ended on.\n");
    fflush(stdout);
    code = wait_code(&l, d);
    if (code == NULL)
      goto out;
  }

  if ((l.fb ? fb_login(&l, code, &a) : ig_login(&l, code, &a)) != 0)
    goto out;
  a.login = l.fb ? GRAPH_LOGIN_FACEBOOK : GRAPH_LOGIN_INSTAGRAM;
  a.name = xstrdup(l.name != NULL ? l.name : a.username);
  if (!l.sandbox) {
    struct cred_app *app = l.fb ? &c.fb_app : &c.ig_app;
    free(app->app_id);
    free(app->app_secret);
    app->app_id = xstrdup(l.app_id);
    app->app_secret = xstrdup(l.app_secret);
  }
  creds_put(&c, &a);
  if (creds_save(&c, &e) != 0) {
    fprintf(stderr, "igmcp: %s\n", e.msg);
    goto out;
  }
  preview(a.token, tokpv, sizeof(tokpv));
  if (a.token_expires_at != 0) {
    time_t t = (time_t)a.token_expires_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(exp, sizeof(exp), "expires %Y-%m-%d %H:%M UTC", &tm);
  } else {
    snprintf(exp, sizeof(exp), "does not expire");
  }
  printf("Connected @%s (%s Login, account %s%s%s) as \"%s\".\n"
         "Token %s, %s.\nSaved to %s\n", a.username,
         l.fb ? "Facebook" : "Instagram", a.user_id,
         a.page_id != NULL ? ", Page " : "",
         a.page_id != NULL ? a.page_id : "", a.name, tokpv, exp, path);
  rc = 0;
  goto out;
usage:
  rc = 2;
  fprintf(stderr, "igmcp: try 'igmcp login --help'\n");
out:
  if (d6 != NULL)
    MHD_stop_daemon(d6);
  if (d != NULL)
    MHD_stop_daemon(d);
  free(code);
  free(url);
  free(path);
  free(l.redirect_uri);
  free(l.dialog_url);
  free(l.exchange_url);
  free(l.graph);
  free(l.code);
  free(l.error);
  pthread_mutex_destroy(&l.mu);
  creds_account_free(&a);
  creds_free(&c);
  return rc;
}
