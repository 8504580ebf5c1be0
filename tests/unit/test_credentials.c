/* SPDX-License-Identifier: MIT */
/*
 * test_credentials.c: the credentials file: a missing file is empty,
 * accounts round-trip through an atomic 0600 write, lookups by name,
 * username and id, a file others can read is refused, malformed fields
 * are named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/credentials.h"

static char dir[64];

static char *
path_of(const char *name)
{
  char *p = malloc(128);
  snprintf(p, 128, "%s/%s", dir, name);
  return p;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

static void
test_round_trip(void **state)
{
  struct creds c, d;
  struct err e = { 0 };
  char *p = path_of("sub/dir/credentials.json");
  struct cred_account a = { 0 }, b = { 0 };
  struct stat st;

  (void)state;
  assert_int_equal(creds_load(p, &c, &e), 0);
  assert_int_equal(c.naccounts, 0);
  assert_null(creds_find(&c, NULL));
  a.login = GRAPH_LOGIN_INSTAGRAM;
  a.user_id = "17841400000000001";
  a.username = "sandbox.studio";
  a.token = "IGAAfirst";
  a.token_issued_at = 1000;
  a.token_expires_at = 5185000;
  a.scopes = json_pack("[s,s]", "instagram_business_basic",
                       "instagram_business_manage_messages");
  b.name = "shop";
  b.login = GRAPH_LOGIN_FACEBOOK;
  b.user_id = "17841400000000002";
  b.username = "other.shop";
  b.page_id = "100000000000001";
  b.token = "EAAsecond";
  assert_non_null(creds_put(&c, &a));
  assert_non_null(creds_put(&c, &b));
  c.ig_app.app_id = strdup("123");
  c.ig_app.app_secret = strdup("s3cret");
  assert_int_equal(creds_save(&c, &e), 0);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  /* Replacing by user id keeps one entry. */
  a.token = "IGAArefreshed";
  creds_put(&c, &a);
  json_decref(a.scopes);
  assert_int_equal(c.naccounts, 2);
  assert_int_equal(creds_save(&c, &e), 0);
  creds_free(&c);

  assert_int_equal(creds_load(p, &d, &e), 0);
  assert_int_equal(d.naccounts, 2);
  assert_string_equal(creds_find(&d, NULL)->name, "sandbox.studio");
  assert_string_equal(creds_find(&d, NULL)->token, "IGAArefreshed");
  assert_int_equal(creds_find(&d, NULL)->token_expires_at, 5185000);
  assert_int_equal(json_array_size(creds_find(&d, NULL)->scopes), 2);
  assert_string_equal(creds_find(&d, "shop")->token, "EAAsecond");
  assert_string_equal(creds_find(&d, "@Other.Shop")->name, "shop");
  assert_string_equal(creds_find(&d, "17841400000000002")->name, "shop");
  assert_int_equal(creds_find(&d, "shop")->login, GRAPH_LOGIN_FACEBOOK);
  assert_null(creds_find(&d, "nobody"));
  assert_string_equal(d.ig_app.app_secret, "s3cret");
  assert_int_equal(creds_remove(&d, "shop"), 0);
  assert_int_equal(d.naccounts, 1);
  assert_int_equal(creds_remove(&d, "shop"), -1);
  creds_free(&d);
  free(p);
}

static void
test_refusals(void **state)
{
  struct creds c;
  struct err e = { 0 };
  char *p = path_of("bad.json");

  (void)state;
  write_file(p, "{\"version\":1,\"accounts\":[]}", 0644);
  assert_int_not_equal(creds_load(p, &c, &e), 0);
  assert_non_null(strstr(e.msg, "chmod 600"));
  creds_free(&c);
  write_file(p, "{\"version\":1,\"accounts\":[{\"token\":5}]}", 0600);
  assert_int_not_equal(creds_load(p, &c, &e), 0);
  assert_non_null(strstr(e.msg, "accounts[0].token"));
  creds_free(&c);
  write_file(p, "{\"version\":1,\"accounts\":[{\"token\":\"x\","
                "\"login\":\"myspace\"}]}", 0600);
  assert_int_not_equal(creds_load(p, &c, &e), 0);
  assert_non_null(strstr(e.msg, "accounts[0].login"));
  creds_free(&c);
  write_file(p, "{\"version\":1,\"accounts\":[{\"name\":\"x\"}]}", 0600);
  assert_int_not_equal(creds_load(p, &c, &e), 0);
  assert_non_null(strstr(e.msg, "no token"));
  creds_free(&c);
  write_file(p, "{not json", 0600);
  assert_int_not_equal(creds_load(p, &c, &e), 0);
  assert_non_null(strstr(e.msg, "line 1"));
  creds_free(&c);
  free(p);
}

static int
setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/igmcp-creds-XXXXXX");
  return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
  char cmd[128];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
