#!/bin/sh
# SPDX-License-Identifier: MIT
# The official MCP conformance suite against `igmcp serve --http --sandbox`.
# Three runs against one server, each with its own baseline of expected
# failures (see docs/internals/conformance.md):
#   stable           0.1.16, --suite all        baseline-2025-11-25.yml
#   next-2025-11-25  0.2.0-alpha.12,            baseline-next-2025-11-25.yml
#                    --requirements 2025-11-25
#   next-2026-07-28  0.2.0-alpha.12,            baseline-next-2026-07-28.yml
#                    --requirements 2026-07-28
# The suite decides pass or fail against the baseline: a failure it does
# not list, or a listed entry that now passes (stale), fails the run.  The
# server must also exit 0 on SIGTERM afterwards, which under ASan means no
# leak or memory error was caused by the suite's traffic.
#
# Environment: IGMCP_BIN (the igmcp to test), IGMCP_SOURCE_DIR (the
# checkout), IGMCP_CONFORMANCE_DIR (where results go; default a temporary
# directory, removed afterwards unless a run failed).  The suite's Node 22 and packages come
# from tests/conformance/node_modules (scripts/deps.sh installs them).
#
# Never prints a line of the form "Total: X passed, Y failed": CI reads
# the last such line as the project's test tally.
set -u
BIN=${IGMCP_BIN:?set IGMCP_BIN to the igmcp binary}
SRC=${IGMCP_SOURCE_DIR:?set IGMCP_SOURCE_DIR to the checkout}
HERE=$SRC/tests/conformance
NODE=$HERE/node_modules/.bin/node
STABLE=$HERE/node_modules/@modelcontextprotocol/conformance/dist/index.js
NEXT=$HERE/node_modules/conformance-next/dist/index.js
ESC=$(printf '\033')

for f in "$BIN" "$NODE" "$STABLE" "$NEXT"; do
  if [ ! -e "$f" ]; then
    echo "conformance: missing $f (run make deps)" >&2
    exit 1
  fi
done

if [ -n "${IGMCP_CONFORMANCE_DIR:-}" ]; then
  OUT=$IGMCP_CONFORMANCE_DIR
  mkdir -p "$OUT" || exit 1
  # Only what an earlier run left; OUT itself may hold other things.
  rm -rf "$OUT/stable" "$OUT/next-2025-11-25" "$OUT/next-2026-07-28" \
    "$OUT"/*.log "$OUT"/*.sum "$OUT"/*.scored
  keep=1
else
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/igmcp-conformance.XXXXXX") || exit 1
  keep=0
fi

pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; fi
  if [ "$keep" -eq 0 ]; then rm -rf "$OUT"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A clean environment: no IG_* credentials of the caller, every toolset so
# that tools-list checks every tool we have.
env -i PATH="$PATH" HOME="${HOME:-/}" IGMCP_TOOLSETS=all \
  ${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} \
  ${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
  ${LSAN_OPTIONS+"LSAN_OPTIONS=$LSAN_OPTIONS"} \
  "$BIN" serve --sandbox --http 127.0.0.1:0 \
  >"$OUT/server.log" 2>&1 &
pid=$!

# The server prints "igmcp: serving MCP on http://127.0.0.1:PORT/mcp" once
# it listens.  60 s, because an ASan build starts slowly on a busy machine.
url=""
tries=0
while [ -z "$url" ]; do
  url=$(sed -n 's/^igmcp: serving MCP on \(http:[^ ]*\/mcp\).*/\1/p' \
        "$OUT/server.log")
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 600 ]; then
    echo "conformance: the server did not start; its log:" >&2
    tail -n 20 "$OUT/server.log" >&2
    exit 1
  fi
  tries=$((tries + 1))
  sleep 0.1
done

# summarize NAME LOG [SCORED]: one line for the run from the suite's
# console output, and the offending baseline entries.  SCORED, a file of
# scenario names, leaves the others out of the counts (a requirement set
# runs scenarios it does not score).  Ends with "# OK PASSED EXPECTED".
summarize() {
  sed "s/${ESC}\[[0-9;]*m//g" "$2" | awk -v name="$1" -v scored="${3:-}" '
    BEGIN {
      if (scored != "")
        while ((getline s < scored) > 0) want[s] = 1
    }
    /^=== SUMMARY ===/ { sum = 1; next }
    /^Total: / { sum = 0 }
    /^Expected failures \(in baseline\)/ { sec = "exp"; next }
    /^Stale baseline entries/ { sec = "stale"; next }
    /^Unexpected failures/ { sec = "unexp"; next }
    /^Baseline check passed/ { ok = 1 }
    sum && /^(✓|✗) / {
      s = $2; sub(/:$/, "", s)
      if (scored != "" && !(s in want)) { $1 == "✓" ? nspass++ : nsfail++; next }
      $1 == "✓" ? pass++ : fail++
    }
    sec == "exp" && /^  ~ / { nexp++ }
    sec == "stale" && /^  ✓ / { stale++; bad = bad "  stale baseline entry (passes now): " $2 "\n" }
    sec == "unexp" && /^  ✗ / { unexp++; bad = bad "  unexpected failure: " $2 "\n" }
    END {
      line = sprintf("%s: %d/%d scenarios passed; baseline: %d expected failures, %d unexpected, %d stale",
                     name, pass, pass + fail, nexp, unexp, stale)
      if (nspass + nsfail > 0)
        line = line sprintf("; %d more run, not scored (%d passed)", nspass + nsfail, nspass)
      print line
      printf "%s", bad
      print "#", (ok ? 0 : 1), pass + 0, nexp + 0
    }'
}

# details DIR ENTRY...: the failing checks behind baseline-style entries
# (scenario or scenario:check-id), from the suite's checks.json files.
details() {
  [ "$#" -gt 1 ] || return 0
  # shellcheck disable=SC2016 # JavaScript, not shell
  "$NODE" -e '
    const fs = require("fs"), path = require("path");
    const [dir, ...want] = process.argv.slice(1);
    for (const d of fs.readdirSync(dir).sort()) {
      const s = d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, "");
      let checks;
      try {
        checks = JSON.parse(fs.readFileSync(path.join(dir, d, "checks.json"), "utf8"));
      } catch { continue; }
      for (const c of checks) {
        if (c.status !== "FAILURE" && c.status !== "WARNING") continue;
        if (!want.includes(s) && !want.includes(s + ":" + c.id)) continue;
        const msg = String(c.errorMessage ?? "").replace(/\s+/g, " ").slice(0, 400);
        console.log(`  ${s}:${c.id} ${c.status}: ${msg}`);
      }
    }' "$@"
}

runs=0
failed=""
total_pass=0
total_exp=0
# run NAME BASELINE SUITE-JS ARGS...: one suite run with its baseline.
# With --requirements REV, only the scenarios REV scores are counted.
run() {
  name=$1 baseline=$2 js=$3
  shift 3
  scored=""
  if [ "$1" = "--requirements" ]; then
    scored=$OUT/$name.scored
    "$NODE" "$js" list --requirements "$2" | sed "s/${ESC}\[[0-9;]*m//g" |
      awk '/^Server scenarios/ { f = 1; next } /^$/ { f = 0 }
           f && /^  - / { print $2 }' >"$scored"
  fi
  "$NODE" "$js" server --url "$url" -o "$OUT/$name" \
    --expected-failures "$HERE/$baseline" "$@" \
    >"$OUT/$name.log" 2>&1
  rc=$?
  summarize "$name" "$OUT/$name.log" "$scored" >"$OUT/$name.sum"
  grep -v '^# ' "$OUT/$name.sum"
  # shellcheck disable=SC2046
  set -- $(sed -n 's/^# //p' "$OUT/$name.sum")
  runs=$((runs + 1))
  total_pass=$((total_pass + ${2:-0}))
  total_exp=$((total_exp + ${3:-0}))
  if [ "$rc" -ne 0 ] || [ "${1:-1}" -ne 0 ]; then
    failed="$failed $name"
    keep=1  # the results outlive a failed run
    echo "  (exit $rc; output in $OUT/$name.log, per-check results in" \
         "$OUT/$name/*/checks.json)"
    # shellcheck disable=SC2046
    details "$OUT/$name" $(sed -n 's/^  unexpected failure: //p' \
                           "$OUT/$name.sum")
    if ! grep -q '^=== SUMMARY ===' "$OUT/$name.log"; then
      # The suite itself broke: show how, minus any tally line.
      tail -n 20 "$OUT/$name.log" | grep -v '^Total: '
    fi
  fi
}

run stable baseline-2025-11-25.yml "$STABLE" --suite all
run next-2025-11-25 baseline-next-2025-11-25.yml "$NEXT" \
  --requirements 2025-11-25
run next-2026-07-28 baseline-next-2026-07-28.yml "$NEXT" \
  --requirements 2026-07-28

kill -TERM "$pid"
wait "$pid"
src=$?
pid=""
if [ "$src" -ne 0 ]; then
  echo "conformance: the server exited $src after SIGTERM; its log ends:"
  tail -n 30 "$OUT/server.log"
  failed="$failed server-exit"
fi

if [ -n "$failed" ]; then
  echo "conformance: FAILED:$failed ($total_pass scenarios passed," \
       "$total_exp expected failures)"
  exit 1
fi
echo "conformance: $runs runs ok ($total_pass scenarios passed," \
     "$total_exp expected failures)"
