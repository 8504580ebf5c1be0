#!/bin/sh
# SPDX-License-Identifier: MIT
# `igmcp sync`: a run against the sandbox into a database file (summary on
# stderr, JSON on stdout, messages in the file), a run stopped by --max,
# running without a store, and usage errors.
set -u
BIN=${IGMCP_BIN:?}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
run() { env -u IG_ACCESS_TOKEN -u IG_LOGIN -u IG_APP_SECRET -u IG_GRAPH_URL \
  -u IG_API_VERSION -u IG_USER_ID -u IG_PAGE_ID -u IGMCP_DB "$@"; }

run "$BIN" sync --sandbox --db "$T/a.db" >"$T/out" 2>"$T/err"; rc=$?
check "sync exits 0" '[ $rc -eq 0 ]'
check "sync prints a done summary" 'grep -q "^igmcp: sync done: [0-9]* conversations seen" "$T/err"'
check "sync prints progress" 'grep -q "^igmcp: sync: " "$T/err"'
check "sync prints the result as JSON" 'grep -q "\"done\":true" "$T/out"'
check "the database file is 0600" '[ "$(stat -c %a "$T/a.db")" = 600 ]'
if command -v sqlite3 >/dev/null 2>&1; then
  n=$(sqlite3 "$T/a.db" "SELECT count(*) FROM messages")
  c=$(sqlite3 "$T/a.db" "SELECT count(*) FROM sync_state WHERE key LIKE 'conv:%'")
  check "messages are stored ($n)" '[ "$n" -gt 20 ]'
  check "each conversation is recorded ($c)" '[ "$c" -ge 5 ]'
fi

run "$BIN" sync --sandbox --login facebook --db "$T/b.db" --max 2 >"$T/out" 2>"$T/err"; rc=$?
check "sync --max exits 0" '[ $rc -eq 0 ]'
check "sync --max stops" 'grep -q "^igmcp: sync stopped: " "$T/err" && grep -q "\"done\":false" "$T/out"'
check "sync --max pulled 2" 'grep -q "\"conversations_updated\":2," "$T/out"'
check "sync --max says how to continue" 'grep -q "again to continue" "$T/err"'

run "$BIN" sync --sandbox --db off >"$T/out" 2>"$T/err"; rc=$?
check "sync without a store fails with 1" '[ $rc -eq 1 ] && grep -q "inbox store" "$T/err"'

run "$BIN" sync --max 0 >"$T/out" 2>"$T/err"; rc=$?
check "--max 0 is a usage error" '[ $rc -eq 2 ] && grep -q "from 1 to 100000" "$T/err"'
run "$BIN" sync --sandbox --since >"$T/out" 2>"$T/err"; rc=$?
check "--since without a value is a usage error" '[ $rc -eq 2 ]'
run "$BIN" sync --sandbox --folder nowhere >"$T/out" 2>"$T/err"; rc=$?
check "an unknown folder fails" '[ $rc -ne 0 ]'
run "$BIN" sync --sandbox extra >"$T/out" 2>"$T/err"; rc=$?
check "a positional argument is a usage error" '[ $rc -eq 2 ]'
run "$BIN" --help >"$T/out" 2>&1
check "--help lists sync" 'grep -q "^  sync " "$T/out"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
