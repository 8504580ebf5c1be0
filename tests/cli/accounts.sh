#!/bin/sh
# SPDX-License-Identifier: MIT
# `igmcp call --account`: a credentials file with two accounts (the
# sandbox's Instagram Login and Facebook Login tokens) against `igmcp
# sandbox`; the account picked by --account or by the arguments; an
# unknown account; IG_ACCESS_TOKEN wins over the file; a file others can
# read is refused.
set -u
BIN=${IGMCP_BIN:?}
pass=0
fail=0
T=$(mktemp -d)
SBPID=
trap '[ -n "$SBPID" ] && kill "$SBPID" 2>/dev/null; rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
run() { env -u IG_ACCESS_TOKEN -u IG_LOGIN -u IG_APP_SECRET -u IG_APP_ID \
  -u IG_API_VERSION -u IG_USER_ID -u IG_PAGE_ID -u IGMCP_DB \
  IGMCP_CONFIG="$T/creds.json" IG_GRAPH_URL="http://127.0.0.1:$PORT" "$@"; }

"$BIN" sandbox --port 0 >"$T/port" 2>/dev/null &
SBPID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(head -n 1 "$T/port")
IG=$(sed -n 's/^#define SANDBOX_IG_TOKEN "\(.*\)"$/\1/p' "${IGMCP_SOURCE_DIR:?}/src/sandbox/sandbox.h")
IG2=$(sed -n 's/^#define SANDBOX_IG_TOKEN_2 "\(.*\)"$/\1/p' "$IGMCP_SOURCE_DIR/src/sandbox/sandbox.h")
FB=$(sed -n 's/^#define SANDBOX_FB_TOKEN "\(.*\)"$/\1/p' "$IGMCP_SOURCE_DIR/src/sandbox/sandbox.h")
cat >"$T/creds.json" <<JSON
{"version":1,"accounts":[
 {"name":"studio","login":"instagram","user_id":"17841400000000001",
  "username":"sandbox.studio","token":"$IG"},
 {"name":"page","login":"facebook","user_id":"17841400000000001",
  "page_id":"100000000000001","token":"$FB"},
 {"name":"second","login":"instagram","user_id":"17841400000000002",
  "username":"sandbox.second","token":"$IG2"}]}
JSON
chmod 600 "$T/creds.json"

run "$BIN" call ig_token_status --db off >"$T/out" 2>"$T/err"; rc=$?
check "the first account is the default" '[ $rc -eq 0 ] && grep -q "\"login\":\"instagram\"" "$T/out"'
run "$BIN" call ig_token_status --account page --db off >"$T/out" 2>"$T/err"; rc=$?
check "--account page uses the Page token" '[ $rc -eq 0 ] && grep -q "\"login\":\"facebook\"" "$T/out"'
run "$BIN" call ig_token_status '{"account":"page"}' --db off >"$T/out" 2>"$T/err"; rc=$?
check "account in the arguments" '[ $rc -eq 0 ] && grep -q "\"login\":\"facebook\"" "$T/out"'
run "$BIN" call ig_token_status --account @sandbox.studio --db off >"$T/out" 2>"$T/err"; rc=$?
check "--account @username" '[ $rc -eq 0 ] && grep -q "\"login\":\"instagram\"" "$T/out"'
run "$BIN" call ig_get_account --account second --db off >"$T/out" 2>"$T/err"; rc=$?
check "--account second is the second account" '[ $rc -eq 0 ] && grep -q "\"username\":\"sandbox.second\"" "$T/out"'
run "$BIN" call ig_get_account --db off >"$T/out" 2>"$T/err"; rc=$?
check "the default is the first account" '[ $rc -eq 0 ] && grep -q "\"username\":\"sandbox.studio\"" "$T/out"'
run "$BIN" call ig_list_accounts --db off >"$T/out" 2>"$T/err"; rc=$?
check "ig_list_accounts lists both" '[ $rc -eq 0 ] && grep -q "\"name\":\"studio\"" "$T/out" && grep -q "\"name\":\"page\"" "$T/out"'
check "no token in the output" '! grep -q -e "$IG" -e "$FB" -e "$IG2" "$T/out" "$T/err"'
run "$BIN" call ig_get_account --account nobody --db off >"$T/out" 2>"$T/err"; rc=$?
check "an unknown account fails with 1 and names the accounts" \
  '[ $rc -eq 1 ] && grep -q "unknown_account" "$T/out" && grep -q "studio, page, second" "$T/err"'
run env IG_ACCESS_TOKEN="$FB" "$BIN" call ig_list_accounts --db off >"$T/out" 2>"$T/err"; rc=$?
check "IG_ACCESS_TOKEN wins over the file (one account)" \
  '[ $rc -eq 0 ] && ! grep -q "\"name\":\"studio\"" "$T/out" && grep -q "\"login\":\"facebook\"" "$T/out"'
chmod 644 "$T/creds.json"
run "$BIN" call ig_list_accounts --db off >"$T/out" 2>"$T/err"; rc=$?
check "a credentials file others can read is refused" '[ $rc -eq 1 ] && grep -q "credentials" "$T/err"'

echo "accounts.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
