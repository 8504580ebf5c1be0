/* SPDX-License-Identifier: MIT */
/*
 * test_publishing_rules.c: the local publishing rules
 * (src/tools/publishing_rules.c) at their boundaries: 2,200 vs 2,201
 * characters of multibyte text, 30 vs 31 hashtags, 20 vs 21 mentions,
 * carousels of 1, 2, 10 and 11 items, 3 vs 4 collaborators, usernames,
 * the shape and positions of user tags, alt text, audio names, and media
 * URLs by scheme, host and length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/publishing_rules.h"

/* n copies of unit, concatenated; the caller frees. */
static char *
repeat(const char *unit, size_t n)
{
  size_t len = strlen(unit);
  char *s = malloc(len * n + 1);

  assert_non_null(s);
  for (size_t i = 0; i < n; i++)
    memcpy(s + i * len, unit, len);
  s[len * n] = '\0';
  return s;
}

static void
test_caption_length(void **state)
{
  char err[400];
  /* "é" is 2 bytes and "🙂" 4: the limit counts characters, not bytes. */
  char *ok = repeat("é", 2200), *over = repeat("é", 2201);
  char *emoji = repeat("🙂", 2200), *emoji_over = repeat("🙂", 2201);

  (void)state;
  assert_int_equal(pub_check_caption(ok, err, sizeof(err)), 0);
  assert_int_equal(pub_check_caption(emoji, err, sizeof(err)), 0);
  assert_int_equal(pub_check_caption(over, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "caption"));
  assert_non_null(strstr(err, "2200"));
  assert_non_null(strstr(err, "2201"));
  assert_int_equal(pub_check_caption(emoji_over, err, sizeof(err)), -1);
  assert_int_equal(pub_check_caption(NULL, err, sizeof(err)), 0);
  assert_int_equal(pub_check_caption("", err, sizeof(err)), 0);
  free(ok);
  free(over);
  free(emoji);
  free(emoji_over);
}

static void
test_hashtags(void **state)
{
  char err[400];
  char *t30 = repeat("#tag ", 30), *t31 = repeat("#tag ", 31);
  char *u31 = repeat("#café ", 31);
  size_t h, m;

  (void)state;
  assert_int_equal(pub_check_caption(t30, err, sizeof(err)), 0);
  assert_int_equal(pub_check_caption(t31, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "hashtags"));
  assert_non_null(strstr(err, "30"));
  assert_non_null(strstr(err, "31"));
  assert_int_equal(pub_check_caption(u31, err, sizeof(err)), -1);
  /* A lone '#' or "# " is no hashtag; "#1" and "#_x" are. */
  pub_count_tags("# #  ## #1 #_x a#b", &h, &m);
  assert_int_equal(h, 3);
  assert_int_equal(m, 0);
  free(t30);
  free(t31);
  free(u31);
}

static void
test_mentions(void **state)
{
  char err[400];
  char *m20 = repeat("@friend ", 20), *m21 = repeat("@friend ", 21);
  char *mail = repeat("me@example.com ", 25);
  size_t h, m;

  (void)state;
  assert_int_equal(pub_check_caption(m20, err, sizeof(err)), 0);
  assert_int_equal(pub_check_caption(m21, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "@mentions"));
  assert_non_null(strstr(err, "20"));
  assert_non_null(strstr(err, "21"));
  /* E-mail addresses are not mentions. */
  assert_int_equal(pub_check_caption(mail, err, sizeof(err)), 0);
  pub_count_tags("@a (@b) x@c @ @.d", &h, &m);
  assert_int_equal(m, 2);
  free(m20);
  free(m21);
  free(mail);
}

static void
test_carousel_and_collaborators(void **state)
{
  char err[400];

  (void)state;
  assert_int_equal(pub_check_carousel_count(0, err, sizeof(err)), -1);
  assert_int_equal(pub_check_carousel_count(1, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "2 to 10"));
  assert_int_equal(pub_check_carousel_count(2, err, sizeof(err)), 0);
  assert_int_equal(pub_check_carousel_count(10, err, sizeof(err)), 0);
  assert_int_equal(pub_check_carousel_count(11, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "11"));
  assert_int_equal(pub_check_collaborators(3, err, sizeof(err)), 0);
  assert_int_equal(pub_check_collaborators(4, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "collaborators"));
}

static void
test_usernames_and_collaborators(void **state)
{
  static const struct {
    const char *name;
    int ok;
  } names[] = {
    { "a", 1 }, { "jane.doe_1", 1 }, { "ABC", 1 },
    { "123456789012345678901234567890", 1 },
    { "1234567890123456789012345678901", 0 }, { "", 0 },
    { "jane doe", 0 }, { "jane-doe", 0 }, { "@jane", 0 }, { "jané", 0 },
  };
  struct {
    const char *json;
    int rc;
    const char *want;
  } lists[] = {
    { "[]", 0, NULL },
    { "[\"a\",\"b\",\"c\"]", 0, NULL },
    { "[\"a\",\"b\",\"c\",\"d\"]", -1, "at most 3" },
    { "[\"a\",\"b c\"]", -1, "collaborators[1]" },
    { "[\"a\",1]", -1, "collaborators[1]" },
    { "[\"Ann\",\"ann\"]", -1, "already in the list" },
    { "{\"a\":1}", -1, "array" },
  };
  char err[400];

  (void)state;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (pub_is_username(names[i].name) != names[i].ok)
      fail_msg("\"%s\": want %d", names[i].name, names[i].ok);
  assert_int_equal(pub_is_username(NULL), 0);
  assert_int_equal(pub_check_collaborator_list(NULL, err, sizeof(err)), 0);
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
    json_t *l = json_loads(lists[i].json, 0, NULL);
    int rc;

    assert_non_null(l);
    rc = pub_check_collaborator_list(l, err, sizeof(err));
    json_decref(l);
    if (rc != lists[i].rc)
      fail_msg("%s: got %d, want %d (%s)", lists[i].json, rc, lists[i].rc,
               rc ? err : "");
    if (lists[i].want != NULL && strstr(err, lists[i].want) == NULL)
      fail_msg("%s: \"%s\" lacks \"%s\"", lists[i].json, err,
               lists[i].want);
  }
}

/* The shape of user_tags, which the schemas leave to the handler. */
static void
test_user_tags_shape(void **state)
{
  static const struct {
    const char *json;
    const char *want; /* NULL: valid */
  } cases[] = {
    { "[{\"username\":\"a\",\"x\":0,\"y\":1}]", NULL },
    { "{\"username\":\"a\"}", "array" },
    { "[\"a\"]", "user_tags[0] must be an object" },
    { "[{\"username\":\"a\",\"x\":0,\"y\":0},{\"x\":0,\"y\":0}]",
      "user_tags[1].username" },
    { "[{\"username\":\"a b\",\"x\":0,\"y\":0}]",
      "user_tags[0].username" },
    { "[{\"username\":\"a\",\"x\":0,\"y\":0,\"z\":0}]",
      "user_tags[0].z: unknown field" },
    { "[{\"username\":\"a\",\"x\":\"0.5\",\"y\":0}]", "between" },
  };
  char err[400];
  json_t *many = json_array();

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    json_t *t = json_loads(cases[i].json, 0, NULL);
    int rc;

    assert_non_null(t);
    rc = pub_check_user_tags(t, 1, err, sizeof(err));
    json_decref(t);
    if (rc != (cases[i].want ? -1 : 0))
      fail_msg("%s: got %d (%s)", cases[i].json, rc, rc ? err : "");
    if (cases[i].want != NULL && strstr(err, cases[i].want) == NULL)
      fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].json, err,
               cases[i].want);
  }
  /* 20 people pass, 21 do not. */
  for (int i = 0; i < 21; i++)
    json_array_append_new(many, json_pack("{s:s, s:f, s:f}", "username",
                                          "a", "x", 0.5, "y", 0.5));
  assert_int_equal(pub_check_user_tags(many, 1, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "21"));
  json_array_remove(many, 20);
  assert_int_equal(pub_check_user_tags(many, 1, err, sizeof(err)), 0);
  json_decref(many);
}

static void
test_audio_name(void **state)
{
  char err[400];
  char *ok = repeat("é", 100), *over = repeat("é", 101);

  (void)state;
  assert_int_equal(pub_check_audio_name(NULL, err, sizeof(err)), 0);
  assert_int_equal(pub_check_audio_name("x", err, sizeof(err)), 0);
  assert_int_equal(pub_check_audio_name(ok, err, sizeof(err)), 0);
  assert_int_equal(pub_check_audio_name(over, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "audio_name"));
  assert_non_null(strstr(err, "101"));
  assert_int_equal(pub_check_audio_name("", err, sizeof(err)), -1);
  free(ok);
  free(over);
}

static void
test_user_tags_and_alt(void **state)
{
  char err[400];
  json_t *ok = json_loads("[{\"username\":\"a\",\"x\":0,\"y\":1},"
                          "{\"username\":\"b\",\"x\":0.5,\"y\":0.25}]", 0,
                          NULL);
  json_t *over = json_loads("[{\"username\":\"a\",\"x\":1.01,\"y\":0.5}]", 0,
                            NULL);
  json_t *neg = json_loads("[{\"username\":\"a\",\"x\":0.5,\"y\":-0.01}]", 0,
                           NULL);
  json_t *noxy = json_loads("[{\"username\":\"a\"}]", 0, NULL);
  char *alt = malloc(1002);

  (void)state;
  assert_int_equal(pub_check_user_tags(ok, 1, err, sizeof(err)), 0);
  assert_int_equal(pub_check_user_tags(over, 1, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "user_tags[0]"));
  assert_int_equal(pub_check_user_tags(neg, 0, err, sizeof(err)), -1);
  assert_int_equal(pub_check_user_tags(noxy, 1, err, sizeof(err)), -1);
  assert_int_equal(pub_check_user_tags(noxy, 0, err, sizeof(err)), 0);
  assert_int_equal(pub_check_user_tags(NULL, 1, err, sizeof(err)), 0);
  memset(alt, 'a', 1000);
  alt[1000] = '\0';
  assert_int_equal(pub_check_alt_text(alt, err, sizeof(err)), 0);
  alt[1000] = 'a';
  alt[1001] = '\0';
  assert_int_equal(pub_check_alt_text(alt, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "1000"));
  free(alt);
  json_decref(ok);
  json_decref(over);
  json_decref(neg);
  json_decref(noxy);
}

struct url_case {
  const char *url;
  int rc;
};

static const struct url_case url_cases[] = {
  { "https://cdn.example.com/a.jpg", 0 },
  { "HTTPS://cdn.example.com/a.jpg", 0 },
  { "https://cdn.example.com:8443/a.jpg?x=1", 0 },
  { "https://8.8.8.8/a.jpg", 0 },
  { "https://[2001:db8::1]/a.jpg", 0 },
  { "https://172.32.0.1/a.jpg", 0 },          /* just past 172.16/12 */
  { "https://100.128.0.1/a.jpg", 0 },         /* just past 100.64/10 */
  { "http://cdn.example.com/a.jpg", -1 },
  { "file:///etc/passwd", -1 },
  { "data:image/jpeg;base64,AAAA", -1 },
  { "ftp://cdn.example.com/a.jpg", -1 },
  { "cdn.example.com/a.jpg", -1 },
  { "https://", -1 },
  { "https:///a.jpg", -1 },
  { "https://localhost/a.jpg", -1 },
  { "https://LOCALHOST./a.jpg", -1 },
  { "https://api.localhost/a.jpg", -1 },
  { "https://127.0.0.1/a.jpg", -1 },
  { "https://127.1/a.jpg", -1 },
  { "https://0x7f000001/a.jpg", -1 },
  { "https://2130706433/a.jpg", -1 },
  { "https://0.0.0.0/a.jpg", -1 },
  { "https://10.1.2.3/a.jpg", -1 },
  { "https://172.16.0.1/a.jpg", -1 },
  { "https://172.31.255.255/a.jpg", -1 },
  { "https://192.168.1.10:8080/a.jpg", -1 },
  { "https://169.254.169.254/latest/meta-data/", -1 },
  { "https://100.64.0.1/a.jpg", -1 },
  { "https://100.100.100.200/a.jpg", -1 },
  { "https://224.0.0.1/a.jpg", -1 },
  { "https://255.255.255.255/a.jpg", -1 },
  { "https://metadata.google.internal/x", -1 },
  { "https://[::1]/a.jpg", -1 },
  { "https://[::]/a.jpg", -1 },
  { "https://[fe80::1]/a.jpg", -1 },
  { "https://[fd00:ec2::254]/a.jpg", -1 },
  { "https://[::ffff:127.0.0.1]/a.jpg", -1 },
  { "https://[::ffff:10.0.0.1]/a.jpg", -1 },
  { "https://[not-an-ip]/a.jpg", -1 },
  { "https://user:pw@cdn.example.com/a.jpg", -1 },
  { "https://cdn.example.com/a b.jpg", -1 },
};

static void
test_urls(void **state)
{
  char err[400];

  (void)state;
  for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
    int rc = pub_check_url("image_url", url_cases[i].url, err, sizeof(err));
    if (rc != url_cases[i].rc)
      fail_msg("%s: got %d, want %d (%s)", url_cases[i].url, rc,
               url_cases[i].rc, rc ? err : "");
    if (rc != 0)
      assert_non_null(strstr(err, "image_url"));
  }
  assert_int_equal(pub_check_url("video_url", NULL, err, sizeof(err)), 0);
  assert_int_equal(pub_check_url("video_url", "http://x.example/v.mp4", err,
                                 sizeof(err)), -1);
  assert_non_null(strstr(err, "http:"));
}

/* A media URL has at most 2,048 characters. */
static void
test_url_length(void **state)
{
  const char *pre = "https://cdn.example.com/";
  char url[2050], err[400];
  size_t n = strlen(pre);

  (void)state;
  memcpy(url, pre, n);
  memset(url + n, 'a', 2048 - n);
  url[2048] = '\0';
  assert_int_equal(pub_check_url("image_url", url, err, sizeof(err)), 0);
  url[2048] = 'a';
  url[2049] = '\0';
  assert_int_equal(pub_check_url("image_url", url, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "image_url"));
  assert_non_null(strstr(err, "2049"));
}

/* A fake resolver: names map to fixed addresses; "slow.example" is as
 * if the lookup timed out. */
static int
fake_resolve(const char *host, struct pub_addr *out, int max, long ms)
{
  static const struct {
    const char *host;
    int v6;
    unsigned char b[16];
  } table[] = {
    { "cdn.example.com", 0, { 93, 184, 216, 34 } },
    { "intranet.example.com", 0, { 10, 1, 2, 3 } },
    { "meta-data.example.com", 0, { 169, 254, 169, 254 } },
    { "ula.example.com", 1, { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                              0, 1 } },
    { "mixed.example.com", 0, { 8, 8, 8, 8 } },
    { "mixed.example.com", 0, { 127, 0, 0, 1 } },
  };
  int n = 0;

  (void)ms;
  if (strcmp(host, "slow.example") == 0)
    return -1;
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && n < max; i++) {
    if (strcmp(table[i].host, host) != 0)
      continue;
    out[n].v6 = table[i].v6;
    memcpy(out[n].b, table[i].b, 16);
    n++;
  }
  return n;
}

/* Names are resolved: one private, loopback, link-local or unique-local
 * address among the answers refuses the URL; an unresolvable name
 * passes (Meta reports what it cannot fetch). */
static void
test_url_resolution(void **state)
{
  static const struct {
    const char *url;
    int rc;
    const char *shown;
  } cases[] = {
    { "https://cdn.example.com/a.jpg", 0, NULL },
    { "https://intranet.example.com/a.jpg", -1, "10.1.2.3" },
    { "https://meta-data.example.com/a.jpg", -1, "169.254.169.254" },
    { "https://ula.example.com/a.jpg", -1, "fd00::1" },
    { "https://mixed.example.com/a.jpg", -1, "127.0.0.1" },
    { "https://slow.example/a.jpg", 0, NULL },
    { "https://nowhere.example/a.jpg", 0, NULL },
  };
  char err[400];

  (void)state;
  pub_set_resolver(fake_resolve);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = pub_check_url("image_url", cases[i].url, err, sizeof(err));
    if (rc != cases[i].rc)
      fail_msg("%s: got %d, want %d (%s)", cases[i].url, rc, cases[i].rc,
               rc ? err : "");
    if (cases[i].shown != NULL) {
      assert_non_null(strstr(err, cases[i].shown));
      assert_non_null(strstr(err, "resolves to"));
    }
  }
  pub_set_resolver(NULL);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_caption_length),
    cmocka_unit_test(test_hashtags),
    cmocka_unit_test(test_mentions),
    cmocka_unit_test(test_carousel_and_collaborators),
    cmocka_unit_test(test_usernames_and_collaborators),
    cmocka_unit_test(test_user_tags_shape),
    cmocka_unit_test(test_audio_name),
    cmocka_unit_test(test_user_tags_and_alt),
    cmocka_unit_test(test_urls),
    cmocka_unit_test(test_url_resolution),
    cmocka_unit_test(test_url_length),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
