/* SPDX-License-Identifier: MIT */
/*
 * jsonrpc.h: JSON-RPC 2.0 envelopes for MCP.  jsonrpc_parse turns one line
 * of bytes into a classified message or into the exact error response the
 * peer must get.  The parsed message owns its JSON tree; jsonrpc_msg_free
 * releases it.  Ids are kept as JSON (string or integer) and echoed as is.
 */
#ifndef IGMCP_JSONRPC_H
#define IGMCP_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

enum jsonrpc_code {
  JSONRPC_PARSE_ERROR = -32700,
  JSONRPC_INVALID_REQUEST = -32600,
  JSONRPC_METHOD_NOT_FOUND = -32601,
  JSONRPC_INVALID_PARAMS = -32602,
  JSONRPC_INTERNAL_ERROR = -32603,
};

enum jsonrpc_kind {
  JSONRPC_REQUEST = 1,
  JSONRPC_NOTIFICATION,
  JSONRPC_RESPONSE, /* a result or error sent to us */
  JSONRPC_BATCH,    /* a JSON array; not supported, answered with an error */
};

struct jsonrpc_msg {
  enum jsonrpc_kind kind;
  json_t *root;       /* owned */
  json_t *id;         /* borrowed from root; NULL for notifications */
  const char *method; /* borrowed from root; NULL for responses */
  json_t *params;     /* borrowed; NULL when absent */
};

/* Largest message accepted on any transport. */
#define JSONRPC_MAX_MESSAGE (4u * 1024 * 1024)

/* Parses one message.  Returns 0 and fills msg, or -1 and sets *error_resp
 * to the complete error response to send (the caller owns it); on -1 with
 * *error_resp NULL the message is dropped silently (a bad notification). */
int jsonrpc_parse(const char *data, size_t len, struct jsonrpc_msg *msg,
                  json_t **error_resp);
void jsonrpc_msg_free(struct jsonrpc_msg *msg);

/* Builds {"jsonrpc":"2.0","id":id,"error":{"code","message","data"?}}.
 * id may be NULL (sent as null); data is stolen when not NULL. */
json_t *jsonrpc_error(const json_t *id, int code, const char *message,
                      json_t *data);
/* Builds {"jsonrpc":"2.0","id":id,"result":result}; result is stolen. */
json_t *jsonrpc_result(const json_t *id, json_t *result);
/* Builds {"jsonrpc":"2.0","method":method,"params":params}; params stolen. */
json_t *jsonrpc_notification(const char *method, json_t *params);
/* A stable string key for an id ("s:abc" or "i:42"), written into out. */
void jsonrpc_id_key(const json_t *id, char *out, size_t n);
/* Compact one-line serialization; the caller frees it. */
char *jsonrpc_dump(const json_t *msg);

#endif
