#!/bin/sh
# SPDX-License-Identifier: MIT
# `igmcp doctor` against `--sandbox` and against a sandbox started with
# `igmcp sandbox --port 0` (IG_GRAPH_URL and a token): good set-ups for
# both logins exit 0 with every check ok; broken ones exit 1 with the FAIL
# line that names the problem (an expired token, a wrong token, a
# credentials file with mode 0644, no account, missing permissions, an
# expired or nearly expired token per the credentials file); a missing
# webhook subscription is a warning; --json has the documented shape; no
# output holds a token or the app secret; usage errors exit 2.
set -u
BIN=${IGMCP_BIN:?}
pass=0
fail=0
T=$(mktemp -d)
SBX_PID=
trap '[ -n "$SBX_PID" ] && kill "$SBX_PID" 2>/dev/null; rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; sed 's/^/    /' "$T/out" >&2; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

IG_TOKEN=IGAAsandboxTokenForIgmcpInstagramLogin000000000000
FB_TOKEN=EAAsandboxTokenForIgmcpFacebookLoginPage0000000000
SECRET=sandbox-app-secret-0123456789abcdef
VERIFY=doctor-verify-token-0123456789

# Every run: a clean environment, no credentials file unless a test names
# one, and the output checked for secrets.
run() {
  env -u IG_ACCESS_TOKEN -u IG_LOGIN -u IG_APP_SECRET -u IG_APP_ID \
    -u IG_GRAPH_URL -u IG_API_VERSION -u IG_USER_ID -u IG_PAGE_ID \
    -u IGMCP_DB -u IG_WEBHOOK_VERIFY_TOKEN -u XDG_CONFIG_HOME \
    IGMCP_CONFIG="${CFG:-$T/none.json}" "$@" >"$T/out" 2>&1
  rc=$?
  if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T/out"; then
    bad "a sanitizer report from: $*"
  fi
  for s in "$IG_TOKEN" "$FB_TOKEN" "$SECRET" "$VERIFY"; do
    if grep -qF "$s" "$T/out"; then
      bad "a secret is in the output of: $*"
    fi
  done
}
line() { grep -E "^  $1 +$2 " "$T/out"; }
has() { line "$1" "$2" | grep -q "$3"; }
nbad() { grep -cE '^  (warn|FAIL) ' "$T/out"; }

"$BIN" sandbox --port 0 >"$T/port" 2>"$T/sbx.err" &
SBX_PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(head -1 "$T/port")
URL=http://127.0.0.1:$PORT
admin() { curl -s -X "$1" -H 'Content-Type: application/json' \
  ${3:+-d "$3"} "$URL/__sandbox/$2" >/dev/null; }
graph() { curl -s -X "$1" "$URL/v25.0/$2" >/dev/null; }
check "the sandbox started ($PORT)" '[ -n "$PORT" ]'

NOW=$(date +%s)
# A credentials file for the Instagram account: args name, mode, expiry,
# scopes (a JSON array).
creds() {
  cat >"$T/$1.json" <<EOF
{"version":1,
 "apps":{"instagram":{"app_id":"900000000000001","app_secret":"$SECRET"}},
 "accounts":[{"name":"studio","login":"instagram",
   "user_id":"17841400000000001","username":"sandbox.studio",
   "page_id":null,"token":"$IG_TOKEN",
   "token_issued_at":$((NOW - 86400)),"token_expires_at":$3,
   "scopes":$4}]}
EOF
  chmod "$2" "$T/$1.json"
}
ALL='["instagram_business_basic","instagram_business_manage_messages","instagram_business_content_publish","instagram_business_manage_comments","instagram_business_manage_insights"]'
GOOD="IG_GRAPH_URL=$URL IG_WEBHOOK_VERIFY_TOKEN=$VERIFY IGMCP_DB=$T/igmcp.db"

# --- good set-ups ---------------------------------------------------
graph POST "me/subscribed_apps?subscribed_fields=messages,comments&access_token=$IG_TOKEN"
graph POST "me/subscribed_apps?subscribed_fields=messages,feed&access_token=$FB_TOKEN"

creds good 600 $((NOW + 50 * 86400)) "$ALL"
CFG=$T/good.json run env $GOOD "$BIN" doctor
check "IG Login from the credentials file: exit 0" '[ $rc -eq 0 ]'
check "IG Login from the credentials file: every check ok" '[ "$(nbad)" -eq 0 ]'
check "the credentials line names the account" 'has ok credentials "account studio (@sandbox.studio, login instagram)"'
check "the token is shown as a preview" 'has ok credentials "token IGAAsa… (50 characters)"'
check "login and host" 'has ok login "Instagram Login: graph.instagram.com, API v25.0"'
check "the expiry comes from the file" 'line ok expiry | grep -qE "in (49|50) days \(from the credentials file\)"'
check "the account type is read" 'has ok account "@sandbox.studio is a Business account"'
check "each tool group has its scope" '[ "$(grep -cE "^  ok +perm:" "$T/out")" -eq 5 ]'
check "the webhook fields are listed" 'has ok webhooks "subscribed to messages, comments"'
check "the app secret is present" 'has ok "app secret" "set (35 characters)"'
check "the store is checked" 'has ok store "igmcp.db does not exist yet"'
check "the summary says all good" 'tail -1 "$T/out" | grep -q "0 warnings, 0 failures: all good"'

run env $GOOD IG_ACCESS_TOKEN=$FB_TOKEN IG_APP_SECRET=$SECRET \
  IG_APP_ID=900000000000001 "$BIN" doctor
check "Facebook Login from the environment: exit 0" '[ $rc -eq 0 ]'
check "Facebook Login from the environment: every check ok" '[ "$(nbad)" -eq 0 ]'
check "the source is the environment" 'has ok config "IG_ACCESS_TOKEN from the environment (EAAsan… (50 characters))"'
check "debug_token validates the Page token" 'has ok token "valid PAGE token for the Page Sandbox Studio"'
check "debug_token is asked with the app token" 'has ok token "per debug_token (asked with the app token)"'
check "the FB scopes are read" 'has ok perm:messaging "instagram_manage_messages granted"'
check "the linked account is professional" 'has ok account "@sandbox.studio (17841400000000001), a professional account"'
check "the Page's webhook fields are listed" 'has ok webhooks "subscribed to messages, feed"'

# An existing store file is opened and its mode checked.
: >"$T/open.db"; chmod 600 "$T/open.db"
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$FB_TOKEN IGMCP_DB=$T/open.db \
  "$BIN" doctor
check "an existing store opens" 'has ok store "open.db opens, mode 0600"'
: >"$T/wide.db"; chmod 644 "$T/wide.db"
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$FB_TOKEN IGMCP_DB=$T/wide.db \
  "$BIN" doctor
check "a store others can read: warn" 'has warn store "wide.db opens but has mode 0644"'

# --- warnings only --------------------------------------------------
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$IG_TOKEN "$BIN" doctor
check "IG token from the environment: exit 0" '[ $rc -eq 0 ]'
check "its expiry is unknown (warn)" 'has warn expiry "unknown: Instagram Login has no debug_token"'
check "its scopes cannot be read (warn)" 'has warn scopes "no scopes are stored"'
check "the groups are probed instead" 'has ok perm:messaging "instagram_business_manage_messages works"'
check "no app secret is a warning" 'has warn "app secret" "not set"'
check "no verify token is a warning" 'has warn "verify token" "not set"'

graph DELETE "me/subscribed_apps?access_token=$IG_TOKEN"
CFG=$T/good.json run env $GOOD "$BIN" doctor
check "no webhook subscription: exit 0" '[ $rc -eq 0 ]'
check "no webhook subscription: warn" 'has warn webhooks "no app is subscribed to the account"'
check "the fix names ig_subscribe_webhooks" 'grep -q -- "-> igmcp call ig_subscribe_webhooks" "$T/out"'

creds soon 600 $((NOW + 3 * 86400)) "$ALL"
CFG=$T/soon.json run env $GOOD "$BIN" doctor
check "a token expiring in 3 days: exit 0" '[ $rc -eq 0 ]'
check "a token expiring in 3 days: warn" 'has warn expiry "in [23] days"'
creds today 600 $((NOW + 5 * 3600)) "$ALL"
CFG=$T/today.json run env $GOOD "$BIN" doctor
check "a token expiring in 5 hours: warn in hours" 'has warn expiry "in [45] hours"'

creds nomsg 600 $((NOW + 50 * 86400)) '["instagram_business_basic","instagram_business_content_publish"]'
CFG=$T/nomsg.json run env $GOOD "$BIN" doctor
check "a missing messaging scope: exit 0" '[ $rc -eq 0 ]'
check "a missing messaging scope: warn" 'has warn perm:messaging "instagram_business_manage_messages is not granted"'
check "the granted ones stay ok" 'line ok perm:publishing >/dev/null'

admin POST faults '{"kind":"revoke_scope","scope":"instagram_manage_messages"}'
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$FB_TOKEN "$BIN" doctor
check "a revoked FB scope: exit 0" '[ $rc -eq 0 ]'
check "a revoked FB scope: warn" 'has warn perm:messaging "instagram_manage_messages is not granted"'
check "without the app id debug_token is asked with the token itself" 'has ok token "asked with the token itself"'

admin DELETE faults
admin POST faults '{"kind":"revoke_scope","scope":"instagram_business_manage_messages"}'
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$IG_TOKEN "$BIN" doctor
check "a probe refused: exit 0" '[ $rc -eq 0 ]'
check "a probe refused: warn" 'has warn perm:messaging "instagram_business_manage_messages is missing (a read was refused)"'
check "the other probes pass" 'has ok perm:insights "instagram_business_manage_insights works"'
admin DELETE faults

admin POST faults '{"kind":"account_type","value":"MEDIA_CREATOR"}'
CFG=$T/good.json run env $GOOD "$BIN" doctor
check "a Creator account is ok" '[ $rc -eq 0 ] && has ok account "@sandbox.studio is a Creator account"'

# --- broken set-ups -------------------------------------------------
admin POST faults '{"kind":"account_type","value":"PERSONAL"}'
CFG=$T/good.json run env $GOOD "$BIN" doctor
check "a personal account: exit 1" '[ $rc -eq 1 ]'
check "a personal account: FAIL" 'has FAIL account "@sandbox.studio is a PERSONAL account"'
admin DELETE faults

admin POST faults '{"kind":"revoke_scope","scope":"instagram_basic"}'
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$FB_TOKEN "$BIN" doctor
check "no instagram_basic: exit 1" '[ $rc -eq 1 ]'
check "no instagram_basic: FAIL" 'has FAIL permissions "instagram_basic is not granted: no tool can work"'
check "the summary says so" 'tail -1 "$T/out" | grep -q "cannot work until the FAIL lines are fixed"'
admin DELETE faults

creds nobasic 600 $((NOW + 50 * 86400)) '["instagram_business_manage_messages"]'
CFG=$T/nobasic.json run env $GOOD "$BIN" doctor
check "stored scopes without basic: exit 1" '[ $rc -eq 1 ]'
check "stored scopes without basic: FAIL" 'has FAIL permissions "instagram_business_basic is not granted"'

admin POST faults '{"kind":"expire_token","token":"ig"}'
CFG=$T/good.json run env $GOOD "$BIN" doctor
check "an expired token: exit 1" '[ $rc -eq 1 ]'
check "an expired token: FAIL" 'has FAIL token "the token has expired"'
check "an expired token: the other checks are skipped" 'line skip permissions >/dev/null && line skip webhooks >/dev/null'
admin POST faults '{"kind":"expire_token","token":"fb"}'
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=$FB_TOKEN "$BIN" doctor
check "an expired Page token: exit 1" '[ $rc -eq 1 ] && has FAIL token "the token has expired"'
admin DELETE faults

creds past 600 $((NOW - 3600)) "$ALL"
CFG=$T/past.json run env $GOOD "$BIN" doctor
check "expired per the credentials file: exit 1" '[ $rc -eq 1 ]'
check "expired per the credentials file: FAIL" 'has FAIL expiry "the token expired on"'

run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=IGAAnotAValidTokenAtAll0000000000 "$BIN" doctor
check "a wrong token: exit 1" '[ $rc -eq 1 ]'
check "a wrong token: FAIL" 'has FAIL token "Meta refused the token"'
check "a wrong token is not printed" '! grep -q "IGAAnotAValid" "$T/out"'

run env IG_GRAPH_URL=http://127.0.0.1:1 IG_ACCESS_TOKEN=$IG_TOKEN IGMCP_GRAPH_TIMEOUT_MS=2000 "$BIN" doctor
check "an unreachable Graph API: exit 1" '[ $rc -eq 1 ]'
check "an unreachable Graph API: FAIL with the fix" 'line FAIL token >/dev/null && grep -q -- "-> check IG_GRAPH_URL and the network" "$T/out"'

creds open 644 $((NOW + 50 * 86400)) "$ALL"
CFG=$T/open.json run env $GOOD "$BIN" doctor
check "a 0644 credentials file: exit 1" '[ $rc -eq 1 ]'
check "a 0644 credentials file: FAIL" 'has FAIL credentials "has mode 0644"'
check "a 0644 credentials file: the fix" "grep -q -- '-> chmod 600 $T/open.json' \"\$T/out\""

run env IG_GRAPH_URL=$URL "$BIN" doctor
check "no account at all: exit 1" '[ $rc -eq 1 ]'
check "no account at all: FAIL" 'has FAIL config "no account: IG_ACCESS_TOKEN is not set"'

CFG=$T/good.json run env $GOOD "$BIN" doctor --account nobody
check "an unknown --account: exit 1" '[ $rc -eq 1 ]'
check "an unknown --account: FAIL lists the accounts" 'has FAIL credentials "no account \"nobody\" in .*(accounts: studio)"'
CFG=$T/good.json run env $GOOD "$BIN" doctor --account @sandbox.studio
check "--account by username" '[ $rc -eq 0 ]'

# --- --sandbox and --json -------------------------------------------
run "$BIN" doctor --sandbox
check "--sandbox: exit 0" '[ $rc -eq 0 ]'
check "--sandbox: no FAIL" '! grep -q "^  FAIL" "$T/out"'
run "$BIN" doctor --sandbox --login facebook --json
check "--json: exit 0" '[ $rc -eq 0 ]'
check "--json: the shape" 'node -e "
  const r = JSON.parse(require(\"fs\").readFileSync(process.argv[1], \"utf8\"));
  const ok = r.ok === true && r.exit_code === 0 && Array.isArray(r.checks) &&
    r.checks.length >= 10 &&
    r.checks.every(c => typeof c.check === \"string\" && typeof c.found === \"string\" &&
      [\"ok\", \"warn\", \"FAIL\", \"skip\"].includes(c.status) &&
      (c.fix === undefined || typeof c.fix === \"string\")) &&
    r.checks.some(c => c.check === \"perm:messaging\" && c.status === \"ok\") &&
    typeof r.summary.ok === \"number\" && typeof r.summary.warn === \"number\" &&
    r.summary.fail === 0;
  process.exit(ok ? 0 : 1);" "$T/out"'
run env IG_GRAPH_URL=$URL IG_ACCESS_TOKEN=IGAAnotAValidTokenAtAll0000000000 "$BIN" doctor --json
check "--json of a broken set-up" 'node -e "
  const r = JSON.parse(require(\"fs\").readFileSync(process.argv[1], \"utf8\"));
  process.exit(r.ok === false && r.exit_code === 1 && r.summary.fail >= 1 &&
    r.checks.some(c => c.check === \"token\" && c.status === \"FAIL\" && c.fix) ? 0 : 1);" "$T/out"'
check "--json exits 1 too" '[ $rc -eq 1 ]'

# --- usage ------------------------------------------------------------
run "$BIN" doctor extra
check "a positional argument is a usage error" '[ $rc -eq 2 ]'
run "$BIN" doctor --bogus
check "an unknown option is a usage error" '[ $rc -eq 2 ]'
run "$BIN" doctor --sandbox --account x
check "--account with --sandbox is a usage error" '[ $rc -eq 2 ]'
run "$BIN" doctor --help
check "doctor --help" '[ $rc -eq 0 ] && grep -q "^usage: igmcp doctor" "$T/out"'
run "$BIN" --help
check "--help lists doctor" 'grep -q "^  doctor " "$T/out"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
