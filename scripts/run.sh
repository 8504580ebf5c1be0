#!/bin/sh
# `make run`: serve the sandbox over stdio and say how to connect a client.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cat >&2 <<MSG
igmcp: serving the sandbox (an emulated Instagram account) over stdio.

Connect a client instead of typing here, for example:
  Inspector:       npx @modelcontextprotocol/inspector $bin serve --sandbox
  Claude Desktop:  {"mcpServers":{"instagram":{"command":"$bin","args":["serve","--sandbox"]}}}
  Try one tool:    $bin call ig_list_conversations '{"limit":3}' --sandbox

Type JSON-RPC messages, one per line; Ctrl-D ends.
MSG
exec "$bin" serve --sandbox
