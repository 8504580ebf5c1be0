#!/bin/sh
# SPDX-License-Identifier: MIT
# The command line: version, help, the catalog, docs/tools.md freshness,
# configuration errors (one clear line, no crash) and `igmcp call`.
set -u
BIN=${IGMCP_BIN:?}
SRC=${IGMCP_SOURCE_DIR:?}
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

# Run with a clean environment so the caller's settings don't leak in.
run() { env -u IG_ACCESS_TOKEN -u IG_LOGIN -u IG_APP_SECRET -u IG_GRAPH_URL \
  -u IG_API_VERSION -u IG_USER_ID -u IG_PAGE_ID "$@"; }

run "$BIN" --version >"$T/out" 2>&1; rc=$?
check "--version exits 0" '[ $rc -eq 0 ]'
check "--version prints the version" 'grep -Eq "^igmcp [0-9]+\.[0-9]+\.[0-9]+$" "$T/out"'

run "$BIN" --help >"$T/out" 2>&1; rc=$?
check "--help exits 0" '[ $rc -eq 0 ]'
check "--help lists the commands" 'grep -q "serve" "$T/out" && grep -q "sandbox" "$T/out" && grep -q "IG_ACCESS_TOKEN" "$T/out"'

run "$BIN" frobnicate >"$T/out" 2>&1; rc=$?
check "unknown command exits 2" '[ $rc -eq 2 ]'

run "$BIN" tools >"$T/out" 2>&1; rc=$?
check "tools exits 0" '[ $rc -eq 0 ]'
for t in ig_list_conversations ig_list_messages ig_send_message; do
  check "tools lists $t (default set)" "grep -q '^$t ' '$T/out'"
done
check "the default set has at most 25 tools" '[ $(wc -l <"$T/out") -le 25 ] && [ $(wc -l <"$T/out") -ge 10 ]'
check "the default set leaves out ig_get_conversation" "! grep -q '^ig_get_conversation ' '$T/out'"

# Choosing tools: toolsets, single tools, exclusions, read-only.
run "$BIN" tools --toolsets all >"$T/all" 2>&1; rc=$?
check "tools --toolsets all lists ig_get_conversation" "[ $rc -eq 0 ] && grep -q '^ig_get_conversation ' '$T/all'"
check "all is larger than default" '[ $(wc -l <"$T/all") -gt $(wc -l <"$T/out") ]'
run "$BIN" tools --toolsets messaging,insights >"$T/out" 2>&1
check "--toolsets messaging,insights lists just those toolsets" \
  "[ \$(awk '{print \$2}' '$T/out' | sort -u | paste -sd, -) = insights,messaging ]"
run IGMCP_TOOLSETS=profile "$BIN" tools >"$T/out" 2>&1
check "IGMCP_TOOLSETS chooses toolsets" "[ \$(awk '{print \$2}' '$T/out' | sort -u) = profile ]"
run IGMCP_TOOLSETS=profile "$BIN" tools --toolsets hashtags >"$T/out" 2>&1
check "--toolsets overrides IGMCP_TOOLSETS" "[ \$(awk '{print \$2}' '$T/out' | sort -u) = hashtags ]"
run "$BIN" tools --toolsets default --tools ig_get_hashtag --exclude-tools ig_send_message >"$T/out" 2>&1
check "--tools adds a tool" "grep -q '^ig_get_hashtag ' '$T/out'"
check "--exclude-tools removes a tool" "! grep -q '^ig_send_message ' '$T/out'"
run "$BIN" tools --tools ig_send_message --exclude-tools ig_send_message >"$T/out" 2>&1
check "exclude wins over --tools" "! grep -q '^ig_send_message ' '$T/out'"
run "$BIN" tools --toolsets all --read-only --json >"$T/ro.json" 2>&1; rc=$?
check "--read-only lists only read-only tools" \
  'node -e "const t=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));if(t.length<10||!t.every(x=>x.annotations.readOnlyHint===true))process.exit(1)" "$T/ro.json"'
run "$BIN" tools --toolsets mesaging >"$T/out" 2>"$T/err"; rc=$?
check "an unknown toolset stops with exit 1 and names the known ones" \
  '[ $rc -eq 1 ] && grep -q "unknown toolset \"mesaging\"" "$T/err" && grep -q "messaging" "$T/err" && [ $(wc -l <"$T/err") -eq 1 ]'
run "$BIN" tools --tools ig_nope >"$T/out" 2>"$T/err"; rc=$?
check "an unknown tool in --tools stops with exit 1" '[ $rc -eq 1 ] && grep -q "unknown tool \"ig_nope\"" "$T/err"'
run IG_ACCESS_TOKEN=IGAAabcdef123456 "$BIN" serve --exclude-tools ig_nope </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "serve with an unknown excluded tool exits 1" '[ $rc -eq 1 ] && grep -q "exclude-tools" "$T/err"'

run "$BIN" tools --json >"$T/tools.json" 2>&1; rc=$?
check "tools --json exits 0" '[ $rc -eq 0 ]'
check "tools --json is a JSON array of tools" \
  'node -e "const t=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));if(!Array.isArray(t)||t.length<5||!t.every(x=>x.name&&x.inputSchema&&x.outputSchema&&x.annotations))process.exit(1)" "$T/tools.json"'

run "$BIN" tools --markdown >"$T/tools.md" 2>&1
check "docs/tools.md is up to date (run: make docs)" 'cmp -s "$T/tools.md" "$SRC/docs/tools.md"'

# Configuration errors: exactly one line on stderr, exit 1, no crash.
run "$BIN" serve </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "serve without a token exits 1" '[ $rc -eq 1 ]'
check "serve without a token says what to set" 'grep -q "IG_ACCESS_TOKEN is not set" "$T/err" && [ $(wc -l <"$T/err") -eq 1 ]'
check "nothing on stdout without a token" '[ ! -s "$T/out" ]'

run IG_ACCESS_TOKEN=xyzTOKENxyz123 "$BIN" serve </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "unknown token kind exits 1" '[ $rc -eq 1 ]'
check "unknown token kind names IG_LOGIN" 'grep -q "IG_LOGIN" "$T/err" && [ $(wc -l <"$T/err") -eq 1 ]'
check "the token never appears in an error" '! grep -q "xyzTOKENxyz123" "$T/err"'

run IG_ACCESS_TOKEN=IGAAabcdef123456 IG_LOGIN=myspace "$BIN" serve </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "bad IG_LOGIN exits 1" '[ $rc -eq 1 ] && grep -q "IG_LOGIN must be" "$T/err"'

run IG_ACCESS_TOKEN=IGAAabcdef123456 IG_API_VERSION=25 "$BIN" serve </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "bad IG_API_VERSION exits 1" '[ $rc -eq 1 ] && grep -q "IG_API_VERSION must look like v25.0" "$T/err"'

run IG_ACCESS_TOKEN=IGAAabcdef123456 IG_GRAPH_URL=ftp://x "$BIN" serve </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "bad IG_GRAPH_URL exits 1" '[ $rc -eq 1 ] && grep -q "IG_GRAPH_URL" "$T/err"'

run IG_ACCESS_TOKEN=IGAAabcdef123456 "$BIN" serve --workers 0 </dev/null >"$T/out" 2>"$T/err"; rc=$?
check "bad --workers exits 2" '[ $rc -eq 2 ]'

# A real call on the sandbox, from the shell.
run "$BIN" call ig_list_conversations '{"limit":2}' --sandbox >"$T/out" 2>"$T/err"; rc=$?
check "call exits 0" '[ $rc -eq 0 ]'
check "call prints two conversations" \
  'node -e "const r=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));if(r.conversations.length!==2||!r.next_cursor)process.exit(1)" "$T/out"'

echo '{"limit":1}' | run "$BIN" call ig_list_conversations - --sandbox >"$T/out" 2>"$T/err"; rc=$?
check "call reads arguments from stdin" '[ $rc -eq 0 ] && grep -q "\"count\":1" "$T/out"'

run "$BIN" call ig_list_conversations '{"limit":0}' --sandbox >"$T/out" 2>"$T/err"; rc=$?
check "call with bad arguments exits 1 and names the field" '[ $rc -eq 1 ] && grep -q "/limit" "$T/err"'

run "$BIN" call ig_list_conversations '[1]' --sandbox >"$T/out" 2>"$T/err"; rc=$?
check "call with non-object arguments exits 2" '[ $rc -eq 2 ]'

run "$BIN" call ig_nope '{}' --sandbox >"$T/out" 2>"$T/err"; rc=$?
check "call of an unknown tool exits 2" '[ $rc -eq 2 ] && grep -q "Unknown tool" "$T/err"'

run "$BIN" call ig_send_message '{"recipient_id":"1","text":"hi"}' --sandbox --read-only >"$T/out" 2>"$T/err"; rc=$?
check "--read-only refuses a write tool and says why" '[ $rc -eq 2 ] && grep -q "read-only" "$T/err"'

run "$BIN" call ig_list_conversations '{}' >"$T/out" 2>"$T/err"; rc=$?
check "call without a token exits 1 with one line" '[ $rc -eq 1 ] && grep -q "IG_ACCESS_TOKEN is not set" "$T/err"'

# make run: scripts/run.sh names the URL, serves the sandbox over HTTP on
# 127.0.0.1:$PORT, answers /healthz and stops on SIGINT (Ctrl-C) with 0.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",
  ()=>{console.log(s.address().port);s.close()})')
# Not through run(): a function in the background is a subshell, and $!
# would be that subshell rather than igmcp (run.sh execs it).
env -u IG_ACCESS_TOKEN -u IG_GRAPH_URL PORT="$port" \
  sh "$SRC/scripts/run.sh" "$BIN" >"$T/out" 2>"$T/err" &
rpid=$!
node -e 'const url=`http://127.0.0.1:${process.argv[1]}/healthz`;
  const end=Date.now()+15000;
  (async()=>{for(;;){try{const r=await fetch(url);
    console.log(r.status,await r.text());return}catch(e){
    if(Date.now()>end)throw e;await new Promise(f=>setTimeout(f,100))}}})()
  .catch(e=>{console.log(String(e));process.exit(1)})' "$port" >"$T/health"
check "run.sh answers /healthz" 'grep -q "^200 {\"status\":\"ok\"," "$T/health"'
check "run.sh prints the MCP URL" \
  "grep -q 'MCP endpoint: *http://127.0.0.1:$port/mcp' '$T/err'"
# sh starts background jobs with SIGINT ignored; igmcp still takes it, as
# it blocks the signal and waits for it with sigwait (Linux keeps a blocked
# signal pending even when its action is to ignore it).
kill -INT $rpid
i=0
while kill -0 $rpid 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $rpid 2>/dev/null
wait $rpid; rc=$?
check "run.sh stops on SIGINT with status 0" '[ $rc -eq 0 ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
