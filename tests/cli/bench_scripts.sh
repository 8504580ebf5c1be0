#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench` is not run by the tests (it takes ~20 minutes); this only
# checks that its scripts parse, and that the report renders a sample.
set -u
SRC=${IGMCP_SOURCE_DIR:?}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
for f in "$SRC"/scripts/bench/*.mjs; do
  if node --check "$f"; then ok; else bad "$f does not parse"; fi
done
if sh -n "$SRC/scripts/bench/run.sh"; then ok; else bad "run.sh does not parse"; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/r.json" <<'J'
{"quick":true,"reps":3,"seconds":1,"date":"2026-01-01T00:00:00Z",
 "machine":{"cores":2,"cpu":"x","memGiB":1,"kernel":"k","node":"v","igmcp":"igmcp","everything":"e"},
 "figures":[{"group":"g","label":"start","unit":"ms","igmcp":{"med":2,"lo":1,"hi":3,"n":3},
  "baseline":{"med":200,"lo":190,"hi":210,"n":3},"budget":{"op":"<","value":5},"lower":true}],
 "scaling":[{"what":"w","work":10,"value":5,"unit":"calls/s","wall":2}],"notes":["n"]}
J
if node "$SRC/scripts/bench/report.mjs" "$tmp/r.json" "$tmp/R.md" "$tmp/r.dat" &&
   grep -q '| start (ms) | 2.00 (1.00–3.00) | 200 (190–210) | 1/100 | < 5.00 ms | met |' "$tmp/R.md" &&
   grep -q '"start" 100.000' "$tmp/r.dat"; then ok; else bad "report.mjs renders a wrong table"; cat "$tmp/R.md" >&2; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
