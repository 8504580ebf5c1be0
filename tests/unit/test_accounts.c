/* SPDX-License-Identifier: MIT */
/*
 * test_accounts.c: several accounts in one server (src/tools/accounts.c):
 * finding an account by name, @username or id; the choice registry_call
 * makes from a call's "account" argument (and the error for an unknown
 * one); the per-account cache of the store id; graph_set_token while
 * other threads call; and the token refresh (src/cli/refresh.c) against
 * the sandbox, written to a 0600 credentials file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>

#include "base/buf.h"
#include "cli/credentials.h"
#include "cli/refresh.h"
#include "graph/graph.h"
#include "sandbox/sandbox.h"
#include "tools/account.h"
#include "tools/accounts.h"
#include "tools/registry.h"

static struct sandbox *sb;
static char base[64];

static struct graph *
new_graph(const char *token, enum graph_login login)
{
  struct graph_config gc = { 0 };
  struct err e = { 0 };
  struct graph *g;

  gc.login = login;
  gc.token = token;
  gc.base_url = base;
  gc.max_attempts = 1;
  g = graph_new(&gc, &e);
  if (g == NULL)
    fail_msg("graph_new: %s", e.msg);
  return g;
}

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
  buf_append(ud, p, sz * n);
  return sz * n;
}

/* One POST to the sandbox's admin API. */
static void
admin_post(const char *path, const char *body)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hl = curl_slist_append(NULL,
                                            "Content-Type: application/json");
  struct buf b;
  char url[256];
  long status = 0;

  buf_init(&b, 1 << 20);
  snprintf(url, sizeof(url), "%s/__sandbox/%s", base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    fail_msg("POST %s: %ld %s", path, status, buf_cstr(&b));
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  buf_free(&b);
}

static int
setup(void **state)
{
  struct sandbox_opts so = { 0 };
  struct err e = { 0 };

  (void)state;
  sb = sandbox_start(&so, &e);
  assert_non_null(sb);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u",
           (unsigned)sandbox_port(sb));
  account_store_id_forget();
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  sandbox_stop(sb);
  sb = NULL;
  account_store_id_forget();
  return 0;
}

static void
test_find(void **state)
{
  struct accounts *a = accounts_new();
  struct accounts_entry *s, *p;
  char names[128];

  (void)state;
  s = accounts_add(a, "studio", "@sandbox.studio", GRAPH_LOGIN_INSTAGRAM,
                   "17841400000000001", NULL, NULL);
  p = accounts_add(a, NULL, "shop.second", GRAPH_LOGIN_FACEBOOK,
                   "17841400000000002", "100000000000002", NULL);
  assert_string_equal(s->username, "sandbox.studio");
  assert_string_equal(p->name, "shop.second"); /* the username */
  assert_ptr_equal(accounts_find(a, NULL), s);
  assert_ptr_equal(accounts_find(a, ""), s);
  assert_ptr_equal(accounts_find(a, "studio"), s);
  assert_ptr_equal(accounts_find(a, "@sandbox.studio"), s);
  assert_ptr_equal(accounts_find(a, "sandbox.studio"), s);
  assert_ptr_equal(accounts_find(a, "17841400000000002"), p);
  assert_ptr_equal(accounts_find(a, "100000000000002"), p);
  assert_ptr_equal(accounts_find(a, "@shop.second"), p);
  assert_null(accounts_find(a, "me"));
  assert_null(accounts_find(a, "@17841400000000002"));
  assert_null(accounts_find(a, "nobody"));
  assert_string_equal(p->acct.page_id, "100000000000002");
  assert_string_equal(s->acct.page_id, "me");
  accounts_names(a, names, sizeof(names));
  assert_string_equal(names, "studio, shop.second");
  accounts_free(a);
}

/* A tool call through the registry, as the MCP server makes it. */
static json_t *
call(struct accounts *a, const char *tool, const char *args_text)
{
  struct call c = { 0 };
  const json_t *preset;
  const struct tool *t = registry_find(tool, &preset);
  json_t *args = json_loads(args_text, 0, NULL), *res;

  assert_non_null(t);
  assert_non_null(args);
  c.graph = a->v[0]->graph;
  c.acct = &a->v[0]->acct;
  c.accounts = a;
  res = registry_call(t, args, preset, &c);
  json_decref(args);
  json_decref(c.usage);
  /* registry_call gives the call back as it found it. */
  assert_ptr_equal(c.graph, a->v[0]->graph);
  assert_ptr_equal(c.acct, &a->v[0]->acct);
  return res;
}

static const char *
kind_of(const json_t *res)
{
  return json_string_value(json_object_get(
      json_object_get(json_object_get(res, "structuredContent"), "error"),
      "kind"));
}

static void
test_select(void **state)
{
  struct accounts *a = accounts_new();
  struct err e = { 0 };
  struct registry_filter f = { .toolsets = "all" };
  json_t *res, *sc, *list;
  const json_t *pre;
  const char *text;

  (void)state;
  assert_int_equal(registry_init(&e), 0);
  assert_int_equal(registry_select(&f, &e), 0);
  accounts_add(a, "studio", SANDBOX_IG_USERNAME, GRAPH_LOGIN_INSTAGRAM,
               NULL, NULL, new_graph(SANDBOX_IG_TOKEN, GRAPH_LOGIN_INSTAGRAM));
  accounts_add(a, "page", NULL, GRAPH_LOGIN_FACEBOOK, NULL, NULL,
               new_graph(SANDBOX_FB_TOKEN, GRAPH_LOGIN_FACEBOOK));

  /* One account: "account" is accepted but not listed. */
  registry_set_accounts(1, "studio");
  assert_null(json_object_get(json_object_get(registry_input_schema(
      registry_find("ig_get_account", &pre)), "properties"), "account"));
  registry_set_accounts(2, "studio");
  assert_non_null(json_object_get(json_object_get(registry_input_schema(
      registry_find("ig_get_account", &pre)), "properties"), "account"));

  /* The default is the first; "account" is taken out before the
   * tool's own validation (additionalProperties false). */
  res = call(a, "ig_token_status", "{}");
  sc = json_object_get(res, "structuredContent");
  assert_false(json_is_true(json_object_get(res, "isError")));
  assert_string_equal(json_string_value(json_object_get(sc, "login")),
                      "instagram");
  assert_string_equal(json_string_value(json_object_get(sc, "refresh_state")),
                      "ok");
  json_decref(res);
  res = call(a, "ig_token_status", "{\"account\":\"page\"}");
  sc = json_object_get(res, "structuredContent");
  assert_false(json_is_true(json_object_get(res, "isError")));
  assert_string_equal(json_string_value(json_object_get(sc, "login")),
                      "facebook");
  json_decref(res);
  res = call(a, "ig_token_status", "{\"account\":\"@sandbox.studio\"}");
  assert_string_equal(json_string_value(json_object_get(
      json_object_get(res, "structuredContent"), "login")), "instagram");
  json_decref(res);

  /* An unknown account: a clear error naming the known ones. */
  res = call(a, "ig_get_account", "{\"account\":\"nobody\"}");
  assert_true(json_is_true(json_object_get(res, "isError")));
  assert_string_equal(kind_of(res), "unknown_account");
  text = json_string_value(json_object_get(
      json_array_get(json_object_get(res, "content"), 0), "text"));
  assert_non_null(strstr(text, "\"nobody\""));
  assert_non_null(strstr(text, "studio, page"));
  json_decref(res);
  res = call(a, "ig_get_account", "{\"account\":7}");
  assert_string_equal(kind_of(res), "invalid_argument");
  json_decref(res);

  /* ig_list_accounts: names, logins, the default; never a token. */
  res = call(a, "ig_list_accounts", "{}");
  list = json_object_get(json_object_get(res, "structuredContent"),
                         "accounts");
  assert_int_equal(json_array_size(list), 2);
  assert_string_equal(json_string_value(json_object_get(
      json_array_get(list, 0), "name")), "studio");
  assert_true(json_is_true(json_object_get(json_array_get(list, 0),
                                           "default")));
  assert_string_equal(json_string_value(json_object_get(
      json_array_get(list, 1), "host")), "graph.facebook.com");
  assert_false(json_is_true(json_object_get(json_array_get(list, 1),
                                            "default")));
  {
    char *dump = json_dumps(res, 0);
    assert_null(strstr(dump, SANDBOX_IG_TOKEN));
    assert_null(strstr(dump, SANDBOX_FB_TOKEN));
    free(dump);
  }
  json_decref(res);
  registry_set_accounts(1, NULL);
  accounts_free(a);
  registry_cleanup();
}

/* The store id is cached per account: a numeric id does not answer for
 * another account that has to ask Meta. */
static void
test_store_id_per_account(void **state)
{
  struct accounts *a = accounts_new();
  struct accounts_entry *one, *two, *three;
  struct call c = { 0 };
  struct result r = { 0 };
  char id[32];

  (void)state;
  one = accounts_add(a, "one", NULL, GRAPH_LOGIN_INSTAGRAM,
                     "17841499999999991", NULL, NULL);
  two = accounts_add(a, "two", NULL, GRAPH_LOGIN_INSTAGRAM, NULL, NULL,
                     new_graph(SANDBOX_IG_TOKEN, GRAPH_LOGIN_INSTAGRAM));
  three = accounts_add(a, "three", NULL, GRAPH_LOGIN_INSTAGRAM,
                       "17841499999999993", NULL, NULL);
  c.acct = &one->acct;
  assert_int_equal(account_store_id(&c, &r, id, sizeof(id)), 0);
  assert_string_equal(id, "17841499999999991");
  c.graph = two->graph;
  c.acct = &two->acct;
  assert_int_equal(account_store_id(&c, &r, id, sizeof(id)), 0);
  assert_string_equal(id, SANDBOX_IG_USER_ID); /* GET /me?fields=user_id */
  c.graph = NULL;
  c.acct = &three->acct;
  assert_int_equal(account_store_id(&c, &r, id, sizeof(id)), 0);
  assert_string_equal(id, "17841499999999993");
  /* Cached: the second account no longer needs its client. */
  c.acct = &two->acct;
  assert_int_equal(account_store_id(&c, &r, id, sizeof(id)), 0);
  assert_string_equal(id, SANDBOX_IG_USER_ID);
  c.acct = &one->acct;
  assert_int_equal(account_store_id(&c, &r, id, sizeof(id)), 0);
  assert_string_equal(id, "17841499999999991");
  json_decref(c.usage);
  result_free(&r);
  accounts_free(a);
}

struct caller {
  struct graph *g;
  int ok, failed;
};

static void *
caller_main(void *arg)
{
  struct caller *cl = arg;
  struct graph_param p[1] = { { "fields", "user_id" } };

  for (int i = 0; i < 40; i++) {
    struct graph_request req = { .method = "GET", .path = "me",
                                 .params = p, .nparams = 1,
                                 .retry_safe = 1 };
    struct graph_response resp = { 0 };
    struct err e = { 0 };
    if (graph_call(cl->g, &req, &resp, &e) == 0)
      cl->ok++;
    else
      cl->failed++;
    graph_response_free(&resp);
  }
  return NULL;
}

/* Tokens swapped while four threads call: every call uses a whole,
 * valid token (ASan sees any use of a freed one). */
static void
test_set_token_concurrent(void **state)
{
  struct graph *g = new_graph(SANDBOX_IG_TOKEN, GRAPH_LOGIN_INSTAGRAM);
  struct caller cl[4];
  pthread_t th[4];
  struct err e = { 0 };
  char copy[128];

  (void)state;
  for (int i = 0; i < 4; i++) {
    cl[i] = (struct caller){ .g = g };
    assert_int_equal(pthread_create(&th[i], NULL, caller_main, &cl[i]), 0);
  }
  for (int i = 0; i < 200; i++) {
    /* The same value in a fresh string each time. */
    snprintf(copy, sizeof(copy), "%s", SANDBOX_IG_TOKEN);
    assert_int_equal(graph_set_token(g, copy, &e), 0);
    memset(copy, 'x', strlen(copy)); /* the client keeps its own copy */
    usleep(200);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(cl[i].failed, 0);
    assert_int_equal(cl[i].ok, 40);
  }
  /* A wrong token takes effect for the next call; a good one again
   * after it. */
  assert_int_equal(graph_set_token(g, "IGAAnotAToken", &e), 0);
  cl[0] = (struct caller){ .g = g };
  caller_main(&cl[0]);
  assert_int_equal(cl[0].ok, 0);
  assert_int_not_equal(graph_set_token(g, "bad token", &e), 0);
  assert_int_not_equal(graph_set_token(g, "", &e), 0);
  assert_int_equal(graph_set_token(g, SANDBOX_IG_TOKEN, &e), 0);
  cl[0] = (struct caller){ .g = g };
  caller_main(&cl[0]);
  assert_int_equal(cl[0].ok, 40);
  graph_free(g);
}

/* The refresh: due only past a day of age and within the last 10 days;
 * done against the sandbox, written to the file (0600), swapped in. */
static void
test_refresh(void **state)
{
  char dir[] = "/tmp/igmcp-acc-XXXXXX", path[128];
  struct creds c = { 0 }, back;
  struct cred_account ca = { 0 };
  struct accounts *a = accounts_new();
  struct accounts_entry *en;
  struct err e = { 0 };
  struct stat st;
  int64_t now = sandbox_now_ms(sb) / 1000;

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/credentials.json", dir);
  c.path = path;
  ca.name = "studio";
  ca.login = GRAPH_LOGIN_INSTAGRAM;
  ca.user_id = SANDBOX_IG_USER_ID;
  ca.username = SANDBOX_IG_USERNAME;
  ca.token = SANDBOX_IG_TOKEN;
  ca.token_issued_at = now - 50 * 86400;
  ca.token_expires_at = now + 20 * 86400;
  creds_put(&c, &ca);
  assert_int_equal(creds_save(&c, &e), 0);
  a->creds_path = strdup(path);
  en = accounts_add(a, "studio", SANDBOX_IG_USERNAME, GRAPH_LOGIN_INSTAGRAM,
                    SANDBOX_IG_USER_ID, NULL,
                    new_graph(SANDBOX_IG_TOKEN, GRAPH_LOGIN_INSTAGRAM));
  en->refreshable = 1;
  en->issued_at = ca.token_issued_at;
  en->expires_at = ca.token_expires_at;

  /* 20 days left: not yet. */
  assert_int_equal(accounts_refresh_state(a, en, now), ACCOUNTS_REFRESH_OK);
  assert_int_equal(refresh_check(a, now), 0);
  /* 5 days left but issued an hour ago: not yet either. */
  en->issued_at = now + 15 * 86400 - 3600;
  assert_int_equal(accounts_refresh_state(a, en, now + 15 * 86400),
                   ACCOUNTS_REFRESH_OK);
  en->issued_at = ca.token_issued_at;

  /* The sandbox refuses a token younger than a day on its clock. */
  admin_post("clock", "{\"advance_seconds\":172800}");
  now = sandbox_now_ms(sb) / 1000;
  en->expires_at = now + 5 * 86400;
  assert_int_equal(accounts_refresh_state(a, en, now), ACCOUNTS_REFRESH_DUE);
  assert_int_equal(refresh_check(a, now), 1);
  assert_int_equal(accounts_refresh_state(a, en, now), ACCOUNTS_REFRESH_OK);
  assert_int_equal(en->issued_at, now);
  assert_true(en->expires_at >= now + 59 * 86400);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(creds_load(path, &back, &e), 0);
  assert_int_equal(back.naccounts, 1);
  assert_int_equal(back.accounts[0].token_issued_at, now);
  assert_int_equal(back.accounts[0].token_expires_at, en->expires_at);
  assert_string_equal(back.accounts[0].token, SANDBOX_IG_TOKEN);
  creds_free(&back);

  /* An expired token cannot be refreshed: failed, with Meta's reason. */
  admin_post("faults", "{\"kind\":\"expire_token\",\"token\":\"ig\"}");
  en->expires_at = now + 86400;
  en->issued_at = now - 2 * 86400;
  assert_int_equal(refresh_check(a, now), 0);
  assert_int_equal(accounts_refresh_state(a, en, now),
                   ACCOUNTS_REFRESH_FAILED);
  assert_non_null(strstr(en->last_error, "code 190"));
  assert_null(strstr(en->last_error, SANDBOX_IG_TOKEN));
  {
    json_t *j = accounts_token_json(a, en, now);
    assert_string_equal(json_string_value(json_object_get(j,
                                                          "refresh_state")),
                        "failed");
    assert_non_null(json_object_get(j, "last_refresh_error"));
    json_decref(j);
  }
  accounts_free(a);
  c.path = NULL;
  /* creds_put copied the strings. */
  creds_free(&c);
  unlink(path);
  rmdir(dir);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_find),
    cmocka_unit_test_setup_teardown(test_select, setup, teardown),
    cmocka_unit_test_setup_teardown(test_store_id_per_account, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_set_token_concurrent, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
  };

  graph_global_init();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
