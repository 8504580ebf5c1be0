#!/bin/sh
# `make run`: serve the sandbox over Streamable HTTP on 127.0.0.1:$PORT
# (default 8765) and say how to connect a client.  `make run-stdio` passes
# "stdio" and gets the sandbox over stdio instead.
#
# Usage: scripts/run.sh BIN [http|stdio]
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mode=${2:-http}

if [ "$mode" = stdio ]; then
  cat >&2 <<MSG
igmcp: serving the sandbox (an emulated Instagram account) over stdio.

Connect a client instead of typing here, for example:
  Inspector:       npx @modelcontextprotocol/inspector $bin serve --sandbox
  Claude Desktop:  {"mcpServers":{"instagram":{"command":"$bin","args":["serve","--sandbox"]}}}
  Try one tool:    $bin call ig_list_conversations '{"limit":3}' --sandbox

Type JSON-RPC messages, one per line; Ctrl-D ends.
MSG
  exec "$bin" serve --sandbox
fi

# The port is checked here because the banner names it before igmcp runs;
# 0 (any free port) is left to `igmcp serve --http 0`, which prints it.
port=${PORT:-8765}
case $port in
  '' | *[!0-9]* | 0*)
    echo "run.sh: PORT must be a port number from 1 to 65535 (got '$port')" >&2
    exit 2 ;;
esac
if [ "$port" -gt 65535 ]; then
  echo "run.sh: PORT must be a port number from 1 to 65535 (got '$port')" >&2
  exit 2
fi
url=http://127.0.0.1:$port/mcp

cat >&2 <<MSG
igmcp: serving the sandbox (an emulated Instagram account) over Streamable
HTTP, on the loopback interface only.

  MCP endpoint:    $url
  Health check:    curl http://127.0.0.1:$port/healthz
  Inspector CLI:   npx @modelcontextprotocol/inspector --cli $url --transport http --method tools/list
  Inspector UI:    npx @modelcontextprotocol/inspector, then open the link it prints
                   with &transport=streamable-http&serverUrl=$url added
  Cursor:          {"mcpServers":{"instagram":{"url":"$url"}}}
                   (in ~/.cursor/mcp.json)
  Claude Desktop:  its config file starts stdio servers only: use make run-stdio,
                   which prints the snippet

Another port: make run PORT=9000.  Stdio instead: make run-stdio.  Ctrl-C stops.
MSG
exec "$bin" serve --sandbox --http "127.0.0.1:$port"
