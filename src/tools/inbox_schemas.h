/* SPDX-License-Identifier: MIT */
/*
 * inbox_schemas.h: the JSON Schema texts of the inbox tools (inbox.c).
 * Output schemas declare the keys an agent relies on; the registry trims
 * what objects nest below the items of a list (registry.c).
 */
#ifndef IGMCP_TOOLS_INBOX_SCHEMAS_H
#define IGMCP_TOOLS_INBOX_SCHEMAS_H

#define INBOX_S "{\"type\":\"string\"}"
#define INBOX_I "{\"type\":\"integer\"}"
#define INBOX_O "{\"type\":\"object\"}"
#define INBOX_A "{\"type\":\"array\"}"

/* A messaging window as the tools show it. */
#define INBOX_WINDOW_SCHEMA                                                  \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"state\":{\"type\":\"string\",\"enum\":[\"open\",\"human_agent\","       \
  "\"closed\",\"unknown\"]},"                                                \
  "\"until_ms\":" INBOX_I ",\"until_at\":" INBOX_S ",\"summary\":" INBOX_S  \
  "},\"required\":[\"state\"]}"

/* A stored DM conversation (store_list_inbox). */
#define INBOX_CONV_PROPS                                                     \
  "\"id\":" INBOX_I ",\"user_id\":" INBOX_S ",\"username\":" INBOX_S ","     \
  "\"last_message\":" INBOX_O ",\"unread\":" INBOX_I ","                     \
  "\"window\":" INBOX_WINDOW_SCHEMA

#define INBOX_CONV_SCHEMA                                                    \
  "{\"type\":\"object\",\"properties\":{" INBOX_CONV_PROPS "},"              \
  "\"required\":[\"id\"]}"

/* The conversation of a history. */
#define INBOX_HISTORY_CONV_SCHEMA                                            \
  "{\"type\":\"object\",\"properties\":{\"id\":" INBOX_I ","                 \
  "\"user_id\":" INBOX_S ",\"username\":" INBOX_S "},\"required\":[\"id\"]}"

/* A stored message (store_get_history). */
#define INBOX_MESSAGE_SCHEMA                                                 \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"mid\":" INBOX_S ",\"direction\":{\"type\":\"string\",\"enum\":"         \
  "[\"in\",\"out\"]},\"text\":" INBOX_S ",\"attachments\":" INBOX_A ","      \
  "\"created_ms\":" INBOX_I ",\"created_at\":" INBOX_S "},"                  \
  "\"required\":[\"mid\"]}"

/* A search hit (store_search): a DM or a comment. */
#define INBOX_HIT_SCHEMA                                                     \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"kind\":{\"type\":\"string\",\"enum\":[\"dm\",\"comment\"]},"            \
  "\"mid\":" INBOX_S ",\"comment_id\":" INBOX_S ",\"user_id\":" INBOX_S ","  \
  "\"username\":" INBOX_S ",\"text\":" INBOX_S ",\"created_at\":" INBOX_S   \
  "},"                                                                       \
  "\"required\":[\"kind\"]}"

/* A comment waiting for our reply (store_list_unanswered). */
#define INBOX_WAITING_COMMENT_SCHEMA                                         \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"comment_id\":" INBOX_S ",\"media_id\":" INBOX_S ","                     \
  "\"username\":" INBOX_S ",\"text\":" INBOX_S ",\"waiting\":" INBOX_S "},"   \
  "\"required\":[\"comment_id\"]}"

#define INBOX_WAITING_CONV_SCHEMA                                            \
  "{\"type\":\"object\",\"properties\":{" INBOX_CONV_PROPS ","               \
  "\"waiting_since_at\":" INBOX_S ",\"waiting\":" INBOX_S "},"               \
  "\"required\":[\"id\"]}"

#define INBOX_EVENT_SCHEMA                                                   \
  "{\"type\":\"object\",\"properties\":{"                                    \
  "\"key\":" INBOX_S ",\"kind\":" INBOX_S ",\"user_id\":" INBOX_S ","        \
  "\"time_at\":" INBOX_S ",\"item\":" INBOX_O "},"                           \
  "\"required\":[\"key\",\"kind\"]}"

/* Input properties. */
#define INBOX_USER_PROP                                                      \
  "\"user\":{\"type\":\"string\",\"pattern\":"                               \
  "\"^([0-9]{1,25}|@?[A-Za-z0-9._]{1,30})$\",\"description\":\"The "        \
  "person: IGSID or @username.\"}"
#define INBOX_SINCE_PROP                                                     \
  "\"since\":{\"type\":\"string\",\"maxLength\":40,\"description\":"         \
  "\"ISO date or date-time (UTC by default).\"}"
#define INBOX_UNTIL_PROP                                                     \
  "\"until\":{\"type\":\"string\",\"maxLength\":40,\"description\":"         \
  "\"ISO date (day included) or date-time.\"}"
#define INBOX_LIMIT_PROP(def, max)                                           \
  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":" #max ","      \
  "\"default\":" #def "}"
#define INBOX_KIND_PROP                                                      \
  "\"kind\":{\"type\":\"string\",\"enum\":[\"dm\",\"comment\",\"all\"],"     \
  "\"default\":\"all\"}"

#endif
