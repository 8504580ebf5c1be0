/* SPDX-License-Identifier: MIT */
/*
 * jsonrpc.c: parsing and building JSON-RPC 2.0 messages.  Every rule that
 * can fail says which rule it was in the error text, because the peer may
 * be a language model or a person debugging a client.
 */
#include "jsonrpc.h"

#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

static int
fail(json_t **out, const json_t *id, int code, const char *msg)
{
  *out = jsonrpc_error(id, code, msg, NULL);
  return -1;
}

/* A usable id: a string or an integer.  Null, booleans, reals, objects and
 * arrays are refused (MCP: "MUST NOT be null"). */
static int
id_ok(const json_t *id)
{
  return json_is_string(id) || json_is_integer(id);
}

int
jsonrpc_parse(const char *data, size_t len, struct jsonrpc_msg *msg,
              json_t **error_resp)
{
  json_error_t jerr;
  json_t *root, *jv, *id, *method, *params;
  size_t bad;
  char text[256];

  memset(msg, 0, sizeof(*msg));
  *error_resp = NULL;
  if (len > JSONRPC_MAX_MESSAGE) {
    snprintf(text, sizeof(text),
             "Invalid Request: message of %zu bytes exceeds the limit of "
             "%u bytes", len, JSONRPC_MAX_MESSAGE);
    return fail(error_resp, NULL, JSONRPC_INVALID_REQUEST, text);
  }
  if (!utf8_valid(data, len, &bad)) {
    snprintf(text, sizeof(text),
             "Parse error: invalid UTF-8 at byte %zu; messages must be "
             "UTF-8 encoded JSON", bad);
    return fail(error_resp, NULL, JSONRPC_PARSE_ERROR, text);
  }
  root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (root == NULL) {
    snprintf(text, sizeof(text), "Parse error: %s (line %d, column %d)",
             jerr.text, jerr.line, jerr.column);
    return fail(error_resp, NULL, JSONRPC_PARSE_ERROR, text);
  }
  if (json_is_array(root)) {
    json_decref(root);
    return fail(error_resp, NULL, JSONRPC_INVALID_REQUEST,
                "Invalid Request: JSON-RPC batches (arrays) are not "
                "supported; send one message per line");
  }
  if (!json_is_object(root)) {
    json_decref(root);
    return fail(error_resp, NULL, JSONRPC_INVALID_REQUEST,
                "Invalid Request: a message must be a JSON object");
  }
  id = json_object_get(root, "id");
  if (id != NULL && !id_ok(id)) {
    json_decref(root);
    return fail(error_resp, NULL, JSONRPC_INVALID_REQUEST,
                "Invalid Request: \"id\" must be a string or an integer "
                "(not null, a number with a fraction, or an object)");
  }
  jv = json_object_get(root, "jsonrpc");
  if (!json_is_string(jv) || strcmp(json_string_value(jv), "2.0") != 0) {
    fail(error_resp, id, JSONRPC_INVALID_REQUEST,
         "Invalid Request: \"jsonrpc\" must be the string \"2.0\"");
    json_decref(root);
    return -1;
  }
  method = json_object_get(root, "method");
  params = json_object_get(root, "params");
  if (method == NULL) {
    if (id != NULL && (json_object_get(root, "result") != NULL ||
                       json_object_get(root, "error") != NULL)) {
      msg->kind = JSONRPC_RESPONSE;
      msg->root = root;
      msg->id = id;
      return 0;
    }
    fail(error_resp, id, JSONRPC_INVALID_REQUEST,
         "Invalid Request: \"method\" is missing");
    json_decref(root);
    return -1;
  }
  if (!json_is_string(method) || json_string_length(method) == 0) {
    fail(error_resp, id, JSONRPC_INVALID_REQUEST,
         "Invalid Request: \"method\" must be a non-empty string");
    json_decref(root);
    return -1;
  }
  if (params != NULL && !json_is_object(params)) {
    /* MCP params are always objects; JSON-RPC also allows arrays, but no
     * MCP method takes positional parameters. */
    if (id == NULL) {
      /* A notification is never answered, not even with an error. */
      json_decref(root);
      return -1;
    }
    fail(error_resp, id, JSONRPC_INVALID_PARAMS,
         "Invalid params: \"params\" must be an object");
    json_decref(root);
    return -1;
  }
  msg->kind = id != NULL ? JSONRPC_REQUEST : JSONRPC_NOTIFICATION;
  msg->root = root;
  msg->id = id;
  msg->method = json_string_value(method);
  msg->params = params;
  return 0;
}

void
jsonrpc_msg_free(struct jsonrpc_msg *msg)
{
  json_decref(msg->root);
  memset(msg, 0, sizeof(*msg));
}

json_t *
jsonrpc_error(const json_t *id, int code, const char *message, json_t *data)
{
  json_t *err = json_pack("{s:i, s:s}", "code", code, "message", message);
  json_t *out;

  /* json_pack refuses invalid UTF-8; never lose the error member. */
  if (err == NULL)
    err = json_pack("{s:i, s:s}", "code", code, "message",
                    "error (message withheld: not valid UTF-8)");

  if (data != NULL)
    json_object_set_new(err, "data", data);
  out = json_pack("{s:s}", "jsonrpc", "2.0");
  json_object_set_new(out, "id", id ? json_deep_copy(id) : json_null());
  json_object_set_new(out, "error", err);
  return out;
}

json_t *
jsonrpc_result(const json_t *id, json_t *result)
{
  json_t *out = json_pack("{s:s}", "jsonrpc", "2.0");
  json_object_set_new(out, "id", json_deep_copy(id));
  json_object_set_new(out, "result", result ? result : json_object());
  return out;
}

json_t *
jsonrpc_notification(const char *method, json_t *params)
{
  json_t *out = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
  if (params != NULL)
    json_object_set_new(out, "params", params);
  return out;
}

void
jsonrpc_id_key(const json_t *id, char *out, size_t n)
{
  if (json_is_string(id))
    snprintf(out, n, "s:%s", json_string_value(id));
  else if (json_is_integer(id))
    snprintf(out, n, "i:%" JSON_INTEGER_FORMAT, json_integer_value(id));
  else
    snprintf(out, n, "?");
}

char *
jsonrpc_dump(const json_t *msg)
{
  char *s = json_dumps(msg, JSON_COMPACT);
  if (s == NULL)
    s = xstrdup("{}");
  return s;
}
