/* SPDX-License-Identifier: MIT */
/*
 * hooks_subs.c: webhook field names and which events are delivered.
 *
 * Two hosts, two vocabularies.  graph.instagram.com subscribes the
 * Instagram account itself to instagram-object fields (comments,
 * messages, ...; @mentions come inside comments there, so no "mentions").
 * graph.facebook.com subscribes the linked Page to Page fields (feed,
 * mention, messages, messaging_referrals, ...); Meta then delivers the
 * instagram-object fields the app chose in its dashboard once the Page
 * has any subscription, and the messaging ones when the Page subscribed
 * their Page field.  An event goes out when the app wants its field
 * (every field until /{app-id}/subscriptions names some) and either
 * subscription covers it.
 */
#include <stdio.h>
#include <string.h>

#include "hooks.h"

static const char *const field_names[HF_COUNT] = {
  [HF_MESSAGES] = "messages",
  [HF_MESSAGE_REACTIONS] = "message_reactions",
  [HF_MESSAGING_SEEN] = "messaging_seen",
  [HF_MESSAGING_POSTBACKS] = "messaging_postbacks",
  [HF_MESSAGING_REFERRAL] = "messaging_referral",
  [HF_MESSAGE_EDIT] = "message_edit",
  [HF_MESSAGING_OPTINS] = "messaging_optins",
  [HF_MESSAGING_HANDOVER] = "messaging_handover",
  [HF_STANDBY] = "standby",
  [HF_COMMENTS] = "comments",
  [HF_LIVE_COMMENTS] = "live_comments",
  [HF_MENTIONS] = "mentions",
  [HF_STORY_INSIGHTS] = "story_insights",
};

/* Page fields and the instagram fields they switch on (0: none). */
static const struct {
  const char *name;
  unsigned bits;
} page_fields[] = {
  { "feed", 0 },
  { "mention", 0 },
  { "messages", HF_BIT(HF_MESSAGES) },
  { "message_echoes", HF_BIT(HF_MESSAGES) },
  { "message_reactions", HF_BIT(HF_MESSAGE_REACTIONS) },
  { "messaging_seen", HF_BIT(HF_MESSAGING_SEEN) },
  { "message_reads", HF_BIT(HF_MESSAGING_SEEN) },
  { "messaging_postbacks", HF_BIT(HF_MESSAGING_POSTBACKS) },
  { "messaging_referrals", HF_BIT(HF_MESSAGING_REFERRAL) },
  { "message_edits", HF_BIT(HF_MESSAGE_EDIT) },
  { "messaging_optins", HF_BIT(HF_MESSAGING_OPTINS) },
  { "messaging_handovers", HF_BIT(HF_MESSAGING_HANDOVER) },
  { "message_deliveries", 0 },
  { "standby", HF_BIT(HF_STANDBY) },
};
#define NPAGE (sizeof(page_fields) / sizeof(page_fields[0]))

/* Instagram fields a Page subscription delivers once it exists. */
#define PAGE_CHANGE_BITS                                                     \
  (HF_BIT(HF_COMMENTS) | HF_BIT(HF_LIVE_COMMENTS) | HF_BIT(HF_MENTIONS) |   \
   HF_BIT(HF_STORY_INSIGHTS))
/* Fields the Instagram host does not accept from an account. */
#define IG_HOST_REFUSED (HF_BIT(HF_MENTIONS) | HF_BIT(HF_STORY_INSIGHTS))

const char *
hooks_field_name(enum hook_field f)
{
  return (unsigned)f < HF_COUNT ? field_names[f] : "unknown";
}

int
hooks_field_parse(const char *name)
{
  for (int i = 0; i < HF_COUNT; i++)
    if (strcmp(field_names[i], name) == 0)
      return i;
  return -1;
}

/* Meta's enum error lists every allowed value. */
static void
enum_error(enum hooks_vocab vocab, const char *got, char *err, size_t errlen)
{
  char list[512] = "";
  size_t n = 0;

  if (vocab == HOOKS_FIELDS_PAGE) {
    for (size_t i = 0; i < NPAGE; i++)
      n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
                            i ? ", " : "", page_fields[i].name);
  } else {
    for (int i = 0, k = 0; i < HF_COUNT; i++)
      if (vocab != HOOKS_FIELDS_IG || !(IG_HOST_REFUSED & HF_BIT(i)))
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
                              k++ ? ", " : "", field_names[i]);
  }
  snprintf(err, errlen, "Param subscribed_fields must be one of {%s} - got "
           "\"%.64s\"", list, got);
}

/* Adds one name; returns -1 with err set when the host refuses it. */
static int
add_name(const char *name, size_t len, enum hooks_vocab vocab, json_t *names,
         unsigned *bits, char *err, size_t errlen)
{
  char buf[64];
  json_t *v;
  size_t i;

  while (len > 0 && name[0] == ' ')
    name++, len--;
  while (len > 0 && name[len - 1] == ' ')
    len--;
  if (len == 0)
    return 0;
  snprintf(buf, sizeof(buf), "%.*s", (int)(len < 63 ? len : 63), name);
  if (vocab == HOOKS_FIELDS_PAGE) {
    for (i = 0; i < NPAGE && strcmp(page_fields[i].name, buf) != 0; i++)
      ;
    if (i == NPAGE || len >= 64)
      goto bad;
    *bits |= page_fields[i].bits;
  } else {
    int f = hooks_field_parse(buf);
    if (f < 0 || len >= 64 ||
        (vocab == HOOKS_FIELDS_IG && (IG_HOST_REFUSED & HF_BIT(f))))
      goto bad;
    *bits |= HF_BIT(f);
  }
  json_array_foreach(names, i, v)
    if (strcmp(json_string_value(v), buf) == 0)
      return 0;
  json_array_append_new(names, json_string(buf));
  return 0;
bad:
  enum_error(vocab, buf, err, errlen);
  return -1;
}

int
hooks_parse_fields(const json_t *v, enum hooks_vocab vocab, json_t **names,
                   unsigned *bits, char *err, size_t errlen)
{
  json_t *out = json_array();
  size_t i;
  json_t *x;

  *bits = 0;
  if (json_is_string(v)) {
    const char *s = json_string_value(v), *p = s;
    while (1) {
      const char *comma = strchr(p, ',');
      size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
      if (add_name(p, len, vocab, out, bits, err, errlen) != 0)
        goto fail;
      if (comma == NULL)
        break;
      p = comma + 1;
    }
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, x) {
      const char *s = json_string_value(x);
      if (s == NULL) {
        snprintf(err, errlen, "Param subscribed_fields must be an array of "
                 "strings");
        goto fail;
      }
      if (add_name(s, strlen(s), vocab, out, bits, err, errlen) != 0)
        goto fail;
    }
  }
  if (json_array_size(out) == 0) {
    snprintf(err, errlen, "The parameter subscribed_fields is required");
    goto fail;
  }
  *names = out;
  return 0;
fail:
  json_decref(out);
  return -1;
}

int
hooks_wanted(const struct sbx_hooks *h, enum hook_field f)
{
  unsigned bit = HF_BIT(f), acct = 0;

  if (h->app_fields_set && !(h->app_fields & bit))
    return 0;
  if (h->ig_names != NULL)
    acct |= h->ig_fields;
  if (h->page_names != NULL)
    acct |= h->page_fields | PAGE_CHANGE_BITS;
  return (acct & bit) != 0;
}
