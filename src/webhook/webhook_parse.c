/* SPDX-License-Identifier: MIT */
/*
 * webhook_parse.c: a delivered webhook body -> normalized events.
 *
 * Meta wraps every update in {"object", "entry": [{"id", "time", ...}]} and
 * puts the update itself in entry[].messaging[] (DMs and their reactions,
 * reads, edits...), entry[].changes[] (comments, mentions, story insights)
 * or, in one documented variant, directly in entry[].field and .value.
 * Each element becomes one event object whose "key" is stable across
 * re-deliveries, so the store can count a retry as a duplicate.
 *
 * Two kinds of fault are told apart on purpose.  A body whose envelope is
 * wrong (not JSON, no entry array, an element that is not an object, a
 * time that is not a number) is refused whole with the JSON path of the
 * fault: nothing in it can be trusted to mean what we think.  An element
 * that is well formed but that we cannot classify (a new messaging
 * payload, a missing mid) becomes kind "unknown" with a "reason", because
 * dropping it would lose data and refusing the body would make Meta retry
 * it for 36 hours.
 *
 * Events own their values: "item" holds a reference to the parsed element,
 * which only the event keeps once the parsed body is released, and the
 * convenience fields are copies, so cleaning one event's text never
 * changes its raw item.
 */
#include "webhook.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"

#define MAX_ID 256      /* bytes in an identifier we key on */
#define SECONDS_BELOW 1000000000000LL /* 1e12: a smaller time is seconds */

/* A small buffer for an identifier given as a JSON integer. */
struct idbuf {
  char s[24];
};

/* One parse: the envelope values every event repeats, and where we are. */
struct ctx {
  const char *object;  /* "instagram" or "page" */
  const char *account; /* entry[].id of the entry being read */
  long long entry_ms;  /* entry[].time in ms, 0 when absent */
  size_t items;        /* elements seen so far, against WEBHOOK_MAX_ITEMS */
  json_t *out;         /* the events */
  struct err *e;
};

static const char *
type_name(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a real number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

/*
 * An identifier: a string of 1..MAX_ID visible ASCII bytes, or a
 * non-negative integer written into b.  NULL for anything else, including
 * a missing value.  Bounding the bytes keeps keys short and free of
 * whitespace or control characters that would make two keys look alike.
 */
static const char *
id_of(const json_t *v, struct idbuf *b)
{
  const char *s;
  size_t n;

  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    snprintf(b->s, sizeof(b->s), "%" JSON_INTEGER_FORMAT,
             json_integer_value(v));
    return b->s;
  }
  if (!json_is_string(v))
    return NULL;
  s = json_string_value(v);
  n = json_string_length(v);
  if (n == 0 || n > MAX_ID || strlen(s) != n)
    return NULL;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
      return NULL;
  return s;
}

/* id_of(obj[k1][k2]); k2 may be NULL for obj[k1]. */
static const char *
id_at(const json_t *obj, const char *k1, const char *k2, struct idbuf *b)
{
  const json_t *v = json_object_get(obj, k1);

  if (k2 != NULL)
    v = json_object_get(v, k2);
  return id_of(v, b);
}

/*
 * A count or timestamp: a non-negative JSON integer, or a string of 1..18
 * decimal digits (the dashboard's test deliveries send "1527459824").
 * Returns 1 and sets *out, 0 when v is NULL (absent), -1 for anything else.
 */
static int
uint_of(const json_t *v, long long *out)
{
  const char *s;
  size_t n;

  if (v == NULL)
    return 0;
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = json_integer_value(v);
    return 1;
  }
  if (!json_is_string(v))
    return -1;
  s = json_string_value(v);
  n = json_string_length(v);
  if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
    return -1;
  *out = strtoll(s, NULL, 10);
  return 1;
}

/* Times under 1e12 are seconds (entry.time in change deliveries); ms
 * values have been above it since 2001. */
static long long
to_ms(long long t)
{
  return t < SECONDS_BELOW ? t * 1000 : t;
}

/* Sets obj[k] to a copy of v when v has type t; a no-op otherwise. */
static void
copy_if(json_t *obj, const char *k, const json_t *v, json_type t)
{
  if (v != NULL && json_typeof(v) == t)
    json_object_set_new(obj, k, json_deep_copy(v));
}

/*
 * Appends an event: the fields every kind has, then the kind's own fields
 * already in ev.  item is borrowed (the event takes its own reference).
 */
static void
emit(struct ctx *c, json_t *ev, const char *kind, const char *key,
     long long ms, const char *user, json_t *item, const char *field)
{
  json_object_set_new(ev, "object", json_string(c->object));
  json_object_set_new(ev, "kind", json_string(kind));
  json_object_set_new(ev, "account_id", json_string(c->account));
  json_object_set_new(ev, "time_ms", json_integer(ms));
  json_object_set_new(ev, "key", json_string(key));
  if (user != NULL)
    json_object_set_new(ev, "user_id", json_string(user));
  if (field != NULL)
    json_object_set_new(ev, "field", json_string(field));
  json_object_set(ev, "item", item);
  json_array_append_new(c->out, ev);
}

/*
 * Appends an "unknown" event for item.  Its key is the SHA-256 of the
 * item's compact JSON with sorted keys, so a re-delivery of the same bytes
 * (or the same members in another order) is the same event.
 */
static int
emit_unknown(struct ctx *c, json_t *item, long long ms, const char *field,
             const char *reason)
{
  char hex[65], key[8 + 65];
  char *dump;
  json_t *ev;

  dump = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (dump == NULL || crypto_sha256_hex(dump, strlen(dump), hex) != 0) {
    free(dump);
    return err_set(c->e, ERR_INTERNAL, "webhook: cannot hash an item");
  }
  free(dump);
  snprintf(key, sizeof(key), "unknown:%s", hex);
  ev = json_object();
  json_object_set_new(ev, "reason", json_string(reason));
  emit(c, ev, "unknown", key, ms, NULL, item, field);
  return 0;
}

/*
 * The kind handlers.  Each reads one messaging payload p, adds its fields
 * to ev and writes kind and key; it returns NULL, or the reason the
 * element is "unknown".  user is the other party, already checked.
 */
typedef const char *(*payload_fn)(json_t *ev, const json_t *p,
                                  const char *user, long long ms,
                                  const char **kind, char *key, size_t ksz);

static const char *
on_message(json_t *ev, const json_t *p, const char *user, long long ms,
           const char **kind, char *key, size_t ksz)
{
  struct idbuf b;
  const char *mid = id_at(p, "mid", NULL, &b);
  const json_t *qr;

  if (mid == NULL)
    return "message.mid is missing or not an identifier";
  /* A deleted echo is still a deletion; an echo is our own message, and
   * shares the message key so the store sees one message either way. */
  if (json_is_true(json_object_get(p, "is_deleted"))) {
    *kind = "delete";
    snprintf(key, ksz, "delete:%s", mid);
  } else {
    *kind = json_is_true(json_object_get(p, "is_echo")) ? "echo" : "message";
    snprintf(key, ksz, "message:%s", mid);
  }
  json_object_set_new(ev, "mid", json_string(mid));
  copy_if(ev, "text", json_object_get(p, "text"), JSON_STRING);
  copy_if(ev, "attachments", json_object_get(p, "attachments"), JSON_ARRAY);
  copy_if(ev, "reply_to", json_object_get(p, "reply_to"), JSON_OBJECT);
  copy_if(ev, "referral", json_object_get(p, "referral"), JSON_OBJECT);
  if (json_is_boolean(json_object_get(p, "is_unsupported")))
    json_object_set_new(
        ev, "is_unsupported",
        json_boolean(json_is_true(json_object_get(p, "is_unsupported"))));
  qr = json_object_get(p, "quick_reply");
  copy_if(ev, "quick_reply_payload", json_object_get(qr, "payload"),
          JSON_STRING);
  return NULL;
}

static const char *
on_edit(json_t *ev, const json_t *p, const char *user, long long ms,
        const char **kind, char *key, size_t ksz)
{
  struct idbuf b;
  const char *mid = id_at(p, "mid", NULL, &b);
  long long n = 0;

  if (mid == NULL)
    return "message_edit.mid is missing or not an identifier";
  /* Messenger's reference shows num_edit as a string in its sample and
   * an integer in its table; both are accepted. */
  if (uint_of(json_object_get(p, "num_edit"), &n) != 1)
    return "message_edit.num_edit is missing or not a count";
  *kind = "edit";
  snprintf(key, ksz, "edit:%s:%lld", mid, n);
  json_object_set_new(ev, "mid", json_string(mid));
  json_object_set_new(ev, "num_edit", json_integer(n));
  copy_if(ev, "text", json_object_get(p, "text"), JSON_STRING);
  return NULL;
}

static const char *
on_reaction(json_t *ev, const json_t *p, const char *user, long long ms,
            const char **kind, char *key, size_t ksz)
{
  struct idbuf b;
  const char *mid = id_at(p, "mid", NULL, &b);
  const char *action = json_string_value(json_object_get(p, "action"));
  const json_t *emoji = json_object_get(p, "emoji");

  if (mid == NULL)
    return "reaction.mid is missing or not an identifier";
  if (action == NULL ||
      (strcmp(action, "react") != 0 && strcmp(action, "unreact") != 0))
    return "reaction.action is neither \"react\" nor \"unreact\"";
  /* Keyed by time too: a user may react, unreact and react again with
   * the same emoji, and each is an event. */
  *kind = action[0] == 'r' ? "reaction" : "unreaction";
  snprintf(key, ksz, "reaction:%s:%s:%s:%lld", mid, user, action, ms);
  json_object_set_new(ev, "mid", json_string(mid));
  if (json_is_string(emoji) && json_string_length(emoji) > 0)
    copy_if(ev, "reaction", emoji, JSON_STRING);
  else
    copy_if(ev, "reaction", json_object_get(p, "reaction"), JSON_STRING);
  return NULL;
}

static const char *
on_read(json_t *ev, const json_t *p, const char *user, long long ms,
        const char **kind, char *key, size_t ksz)
{
  struct idbuf b;
  const char *mid = id_at(p, "mid", NULL, &b);

  /* Instagram names the message read; Messenger's watermark-only reads
   * cannot be keyed per message and stay "unknown". */
  if (mid == NULL)
    return "read.mid is missing or not an identifier";
  *kind = "seen";
  snprintf(key, ksz, "seen:%s:%s", mid, user);
  json_object_set_new(ev, "mid", json_string(mid));
  return NULL;
}

static const char *
on_postback(json_t *ev, const json_t *p, const char *user, long long ms,
            const char **kind, char *key, size_t ksz)
{
  struct idbuf b;
  const char *mid = id_at(p, "mid", NULL, &b);

  if (mid == NULL)
    return "postback.mid is missing or not an identifier";
  *kind = "postback";
  snprintf(key, ksz, "postback:%s", mid);
  json_object_set_new(ev, "mid", json_string(mid));
  /* The button's title is what the user sees as their message. */
  copy_if(ev, "text", json_object_get(p, "title"), JSON_STRING);
  copy_if(ev, "postback_payload", json_object_get(p, "payload"),
          JSON_STRING);
  return NULL;
}

static const char *
on_referral(json_t *ev, const json_t *p, const char *user, long long ms,
            const char **kind, char *key, size_t ksz)
{
  if (ms <= 0)
    return "referral has no timestamp to key it by";
  *kind = "referral";
  snprintf(key, ksz, "referral:%s:%lld", user, ms);
  json_object_set_new(ev, "referral", json_deep_copy(p));
  return NULL;
}

/* Messaging payload members, in the order they are looked for: a message
 * that also carries a referral (an ad click) is a message. */
static const struct {
  const char *name;
  payload_fn fn;
} payloads[] = {
  { "message", on_message },   { "message_edit", on_edit },
  { "reaction", on_reaction }, { "read", on_read },
  { "postback", on_postback }, { "referral", on_referral },
};

/*
 * One messaging element m (from messaging[], or a change's value).  keep is
 * what the event stores as "item" (m itself, or the whole change) and field
 * the change's field name (NULL for messaging[]).  Returns 0, or a negative
 * code with e filled when m's timestamp has the wrong type.
 */
static int
messaging_one(struct ctx *c, const json_t *m, json_t *keep,
              const char *field, const char *path)
{
  struct idbuf sb, rb;
  const char *sender, *recipient, *user, *reason = NULL, *kind = NULL;
  long long t = 0, ms = c->entry_ms;
  char key[4 * MAX_ID];
  json_t *ev;
  int r;

  r = uint_of(json_object_get(m, "timestamp"), &t);
  if (r < 0)
    return err_set(c->e, ERR_INVALID,
                   "%s.timestamp: expected a non-negative integer, got %s",
                   path, type_name(json_object_get(m, "timestamp")));
  if (r == 1)
    ms = to_ms(t);
  sender = id_at(m, "sender", "id", &sb);
  recipient = id_at(m, "recipient", "id", &rb);

  for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
    const json_t *p = json_object_get(m, payloads[i].name);

    if (p == NULL)
      continue;
    if (!json_is_object(p))
      return emit_unknown(c, keep, ms, field, "payload is not an object");
    /* The other party: the recipient of what we sent (an echo, or any
     * element whose sender is our account), else the sender. */
    user = json_is_true(json_object_get(p, "is_echo")) ||
                   (sender != NULL && strcmp(sender, c->account) == 0)
               ? recipient
               : sender;
    if (user == NULL)
      return emit_unknown(c, keep, ms, field,
                          "sender.id or recipient.id is missing or not an "
                          "identifier");
    ev = json_object();
    reason = payloads[i].fn(ev, p, user, ms, &kind, key, sizeof(key));
    if (reason != NULL) {
      json_decref(ev);
      return emit_unknown(c, keep, ms, field, reason);
    }
    emit(c, ev, kind, key, ms, user, keep, field);
    return 0;
  }
  return emit_unknown(c, keep, ms, field, "no messaging payload we know");
}

/*
 * The change handlers: v is the change's value (an object).  Each adds its
 * fields to ev, writes kind, key and user, and returns NULL or a reason.
 */
static const char *
on_comment(json_t *ev, const json_t *v, const char *field, long long ms,
           const char **kind, char *key, size_t ksz, const char **user,
           struct idbuf *ub)
{
  struct idbuf b, pb, mb;
  const char *id = id_at(v, "id", NULL, &b), *parent, *media;
  const json_t *from = json_object_get(v, "from");

  /* Facebook Login deliveries name it comment_id. */
  if (id == NULL)
    id = id_at(v, "comment_id", NULL, &b);
  if (id == NULL)
    return "value.id is missing or not an identifier";
  *kind = strcmp(field, "comments") == 0 ? "comment" : "live_comment";
  snprintf(key, ksz, "%s:%s", *kind, id);
  *user = id_at(from, "id", NULL, ub);
  json_object_set_new(ev, "comment_id", json_string(id));
  copy_if(ev, "username", json_object_get(from, "username"), JSON_STRING);
  copy_if(ev, "text", json_object_get(v, "text"), JSON_STRING);
  if ((parent = id_at(v, "parent_id", NULL, &pb)) != NULL)
    json_object_set_new(ev, "parent_id", json_string(parent));
  if ((media = id_at(v, "media", "id", &mb)) != NULL)
    json_object_set_new(ev, "media_id", json_string(media));
  copy_if(ev, "media_product_type",
          json_object_get(json_object_get(v, "media"), "media_product_type"),
          JSON_STRING);
  return NULL;
}

static const char *
on_mention(json_t *ev, const json_t *v, const char *field, long long ms,
           const char **kind, char *key, size_t ksz, const char **user,
           struct idbuf *ub)
{
  struct idbuf mb, cb;
  const char *media = id_at(v, "media_id", NULL, &mb);
  const char *comment = id_at(v, "comment_id", NULL, &cb);

  if (media == NULL)
    return "value.media_id is missing or not an identifier";
  if (comment == NULL && json_object_get(v, "comment_id") != NULL)
    return "value.comment_id is not an identifier";
  *kind = "mention";
  snprintf(key, ksz, "mention:%s:%s", media, comment ? comment : "-");
  json_object_set_new(ev, "media_id", json_string(media));
  if (comment != NULL)
    json_object_set_new(ev, "comment_id", json_string(comment));
  return NULL;
}

static const char *
on_insights(json_t *ev, const json_t *v, const char *field, long long ms,
            const char **kind, char *key, size_t ksz, const char **user,
            struct idbuf *ub)
{
  struct idbuf mb;
  const char *media = id_at(v, "media_id", NULL, &mb);

  if (media == NULL)
    return "value.media_id is missing or not an identifier";
  *kind = "story_insights";
  snprintf(key, ksz, "story_insights:%s:%lld", media, ms);
  json_object_set_new(ev, "media_id", json_string(media));
  return NULL;
}

typedef const char *(*change_fn)(json_t *ev, const json_t *v,
                                 const char *field, long long ms,
                                 const char **kind, char *key, size_t ksz,
                                 const char **user, struct idbuf *ub);

static const struct {
  const char *field;
  change_fn fn;
} changes[] = {
  { "comments", on_comment },
  { "live_comments", on_comment },
  { "mentions", on_mention },
  { "story_insights", on_insights },
};

/* Messaging fields as the dashboard's "Test" button delivers them: one
 * change whose value is a messaging element.  Not "standby": its value
 * looks like a message but is not ours (see entry_one). */
static const char *const messaging_fields[] = {
  "messages",           "message_reactions", "messaging_postbacks",
  "messaging_seen",     "messaging_referral", "message_edit",
  "messaging_optins",   "messaging_handover",
};

/*
 * One change ch, a {field, value} object (a changes[] element, or built
 * from a flat entry).  Returns 0, or a negative code with e filled.
 */
static int
change_one(struct ctx *c, json_t *ch, const char *path)
{
  const json_t *fv = json_object_get(ch, "field");
  const json_t *v = json_object_get(ch, "value");
  const char *field, *kind = NULL, *user = NULL, *reason;
  char key[4 * MAX_ID];
  struct idbuf ub;
  json_t *ev;

  if (!json_is_string(fv))
    return err_set(c->e, ERR_INVALID, "%s.field: expected a string, got %s",
                   path, fv ? type_name(fv) : "nothing");
  field = json_string_value(fv);
  if (!json_is_object(v))
    return emit_unknown(c, ch, c->entry_ms, field, "value is not an object");
  for (size_t i = 0; i < sizeof(messaging_fields) / sizeof(*messaging_fields);
       i++)
    if (strcmp(field, messaging_fields[i]) == 0) {
      char vpath[128];

      snprintf(vpath, sizeof(vpath), "%s.value", path);
      return messaging_one(c, v, ch, field, vpath);
    }
  for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
    if (strcmp(field, changes[i].field) != 0)
      continue;
    ev = json_object();
    reason = changes[i].fn(ev, v, field, c->entry_ms, &kind, key,
                           sizeof(key), &user, &ub);
    if (reason != NULL) {
      json_decref(ev);
      return emit_unknown(c, ch, c->entry_ms, field, reason);
    }
    emit(c, ev, kind, key, c->entry_ms, user, ch, field);
    return 0;
  }
  return emit_unknown(c, ch, c->entry_ms, field, "no change field we know");
}

/*
 * Counts n more elements against WEBHOOK_MAX_ITEMS before any is read, so
 * an oversized body costs one pass over the entry headers, not the work
 * of parsing its events.
 */
static int
take_items(struct ctx *c, size_t n)
{
  if (n > WEBHOOK_MAX_ITEMS - c->items)
    return err_set(c->e, ERR_INVALID,
                   "webhook body has more than %d messaging, standby and "
                   "changes elements (Meta sends at most 1000)",
                   WEBHOOK_MAX_ITEMS);
  c->items += n;
  return 0;
}

/* Checks that entry member name, when present, is an array of objects;
 * *out is the array (NULL when absent). */
static int
object_array(struct ctx *c, const json_t *en, const char *name,
             const char *path, json_t **out)
{
  json_t *a = json_object_get(en, name), *it;
  size_t i;

  *out = NULL;
  if (a == NULL)
    return 0;
  if (!json_is_array(a))
    return err_set(c->e, ERR_INVALID, "%s.%s: expected an array, got %s",
                   path, name, type_name(a));
  if (take_items(c, json_array_size(a)) != 0)
    return ERR_INVALID;
  json_array_foreach(a, i, it)
    if (!json_is_object(it))
      return err_set(c->e, ERR_INVALID,
                     "%s.%s[%zu]: expected an object, got %s", path, name, i,
                     type_name(it));
  *out = a;
  return 0;
}

/* The entry's id and time, checked, into c. */
static int
entry_head(struct ctx *c, const json_t *en, const char *path,
           struct idbuf *ab)
{
  const json_t *t = json_object_get(en, "time");
  long long v = 0;

  c->account = id_of(json_object_get(en, "id"), ab);
  if (c->account == NULL)
    return err_set(c->e, ERR_INVALID,
                   "%s.id: expected the account id (a string of 1 to %d "
                   "visible ASCII characters, or an integer), got %s",
                   path, MAX_ID,
                   json_object_get(en, "id") != NULL
                       ? type_name(json_object_get(en, "id"))
                       : "nothing");
  if (uint_of(t, &v) < 0)
    return err_set(c->e, ERR_INVALID,
                   "%s.time: expected a non-negative integer, got %s", path,
                   type_name(t));
  c->entry_ms = to_ms(v);
  return 0;
}

/* One entry[] element: its messaging, standby and changes elements, then
 * the flat {field, value} variant. */
static int
entry_one(struct ctx *c, json_t *en, size_t idx)
{
  char path[32], sub[96];
  json_t *msg, *stb, *chg, *it, *flat;
  struct idbuf ab;
  size_t i;
  int r;

  snprintf(path, sizeof(path), "entry[%zu]", idx);
  if (!json_is_object(en))
    return err_set(c->e, ERR_INVALID, "%s: expected an object, got %s",
                   path, type_name(en));
  if (entry_head(c, en, path, &ab) != 0 ||
      object_array(c, en, "messaging", path, &msg) != 0 ||
      object_array(c, en, "standby", path, &stb) != 0 ||
      object_array(c, en, "changes", path, &chg) != 0)
    return ERR_INVALID;
  json_array_foreach(msg, i, it) {
    snprintf(sub, sizeof(sub), "%s.messaging[%zu]", path, i);
    if ((r = messaging_one(c, it, it, NULL, sub)) != 0)
      return r;
  }
  /* Standby: messages in a thread another app controls (handover).  They
   * are not ours to answer; keep them raw. */
  json_array_foreach(stb, i, it) {
    long long t = 0;

    if (uint_of(json_object_get(it, "timestamp"), &t) != 1)
      t = c->entry_ms;
    if ((r = emit_unknown(c, it, to_ms(t), "standby",
                          "standby (another app controls the thread)")) != 0)
      return r;
  }
  json_array_foreach(chg, i, it) {
    snprintf(sub, sizeof(sub), "%s.changes[%zu]", path, i);
    if ((r = change_one(c, it, sub)) != 0)
      return r;
  }
  if (json_object_get(en, "field") == NULL)
    return 0;
  if (take_items(c, 1) != 0)
    return ERR_INVALID;
  flat = json_object();
  json_object_set(flat, "field", json_object_get(en, "field"));
  if (json_object_get(en, "value") != NULL)
    json_object_set(flat, "value", json_object_get(en, "value"));
  r = change_one(c, flat, path);
  json_decref(flat);
  return r;
}

/* The envelope: an object with "object" and an "entry" array. */
static int
envelope(struct ctx *c, const json_t *root, json_t **entries)
{
  const json_t *o = json_object_get(root, "object");
  json_t *en = json_object_get(root, "entry");

  if (!json_is_object(root))
    return err_set(c->e, ERR_INVALID,
                   "webhook body: expected a JSON object, got %s",
                   type_name(root));
  if (!json_is_string(o))
    return err_set(c->e, ERR_INVALID, "object: expected a string, got %s",
                   o ? type_name(o) : "nothing");
  if (strcmp(json_string_value(o), "instagram") == 0)
    c->object = "instagram";
  else if (strcmp(json_string_value(o), "page") == 0)
    c->object = "page";
  else
    return err_set(c->e, ERR_INVALID,
                   "object: expected \"instagram\" or \"page\"");
  if (!json_is_array(en))
    return err_set(c->e, ERR_INVALID, "entry: expected an array, got %s",
                   en ? type_name(en) : "nothing");
  if (json_array_size(en) > WEBHOOK_MAX_ENTRIES)
    return err_set(c->e, ERR_INVALID,
                   "entry: %zu elements, more than the %d we accept",
                   json_array_size(en), WEBHOOK_MAX_ENTRIES);
  *entries = en;
  return 0;
}

json_t *
webhook_parse(const char *raw, size_t len, struct err *e)
{
  struct ctx c = { .e = e };
  json_error_t jerr;
  json_t *root, *entries = NULL, *en;
  size_t i;

  if (raw == NULL || len == 0) {
    err_set(e, ERR_INVALID, "webhook body is empty");
    return NULL;
  }
  if (len > WEBHOOK_MAX_BODY) {
    err_set(e, ERR_INVALID, "webhook body is %zu bytes, more than %u", len,
            WEBHOOK_MAX_BODY);
    return NULL;
  }
  /* JSON_ALLOW_NUL: a "\u0000" in someone's text must not cost us the
   * whole delivery; the strings we key on reject NUL themselves.
   * JSON_DECODE_ANY so a scalar body gets envelope()'s precise error. */
  root = json_loadb(raw, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
  if (root == NULL) {
    err_set(e, ERR_INVALID,
            "webhook body is not valid JSON: %s (line %d, column %d)",
            jerr.text, jerr.line, jerr.column);
    return NULL;
  }
  c.out = json_array();
  if (envelope(&c, root, &entries) != 0)
    goto fail;
  json_array_foreach(entries, i, en)
    if (entry_one(&c, en, i) != 0)
      goto fail;
  json_decref(root);
  return c.out;

fail:
  json_decref(c.out);
  json_decref(root);
  return NULL;
}
