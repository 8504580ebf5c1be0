#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's coverage tables: every igmcp tool they name exists, and the
# tables list all 36 Composio actions and all 33 meta-mcp Instagram tools.
set -u
BIN=${IGMCP_BIN:?}
SRC=${IGMCP_SOURCE_DIR:?}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$BIN" tools --toolsets all | awk '{print $1}' | sort -u >"$T/tools"
sed -n '/^## Coverage of other Instagram toolkits/,/^## /p' "$SRC/README.md" >"$T/section"
grep -o '`ig_[a-z_]*`' "$T/section" | tr -d '`' | sort -u >"$T/named"
missing=$(comm -23 "$T/named" "$T/tools")
if [ -z "$missing" ] && [ -s "$T/named" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: README names tools igmcp lacks: $missing" >&2; fi
n=$(grep -c '^| INSTAGRAM_' "$T/section")
if [ "$n" -eq 36 ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: $n Composio rows, expected 36" >&2; fi
n=$(grep -cE '^\| ig_[a-z_]+ \|' "$T/section")
if [ "$n" -eq 33 ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: $n meta-mcp rows, expected 33" >&2; fi
# And the README's Tools table names every tool of the registry.
sed -n '/^## Tools/,/^## /p' "$SRC/README.md" | grep -o '`ig_[a-z_]*`' | tr -d '`' | sort -u >"$T/listed"
missing=$(comm -23 "$T/tools" "$T/listed")
if [ -z "$missing" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: README's Tools table lacks: $missing" >&2; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
