#!/bin/sh
# SPDX-License-Identifier: MIT
# Source hygiene (STYLE.md habit 8): no banned C string functions, and
# nothing but loopback addresses in the tests.
set -u
SRC=${IGMCP_SOURCE_DIR:?}
pass=0
fail=0
hits=$(grep -rnE '(^|[^_a-z])(strcpy|strcat|sprintf|strtok|atoi|sscanf|gets)[[:space:]]*\(' \
  "$SRC/src" "$SRC/tests/unit" | grep -vE '(snprintf|vsnprintf|asprintf)\(' || true)
if [ -z "$hits" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: banned functions used:" >&2; echo "$hits" >&2; fi
# Every file opens with an SPDX line.
missing=$(for f in $(find "$SRC/src" "$SRC/tests/unit" -name '*.[ch]'); do
  head -n 2 "$f" | grep -q 'SPDX-License-Identifier' || echo "$f"; done)
if [ -z "$missing" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: no SPDX header in:" >&2; echo "$missing" >&2; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
