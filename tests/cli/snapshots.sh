#!/bin/sh
# SPDX-License-Identifier: MIT
# Every tool's interface (name, description, schemas, annotations) matches
# its snapshot in tests/snapshots; `make snapshots` updates them.  The
# checker itself must catch a changed, a missing and a stale snapshot.
set -u
BIN=${IGMCP_BIN:?}
SRC=${IGMCP_SOURCE_DIR:?}
SNAP="node $SRC/scripts/toolsnaps.mjs"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() {
  if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi
}

check "every tool matches its snapshot (make snapshots after a deliberate change)" \
  '$SNAP --check "$BIN" "$SRC/tests/snapshots"'

cp -r "$SRC/tests/snapshots" "$T/s"
f=$(ls "$T/s" | head -n 1)
sed "s/\"readOnlyHint\": [a-z]*/\"readOnlyHint\": null/" \
  "$T/s/$f" >"$T/x" && mv "$T/x" "$T/s/$f"
check "a changed annotation is caught" '! $SNAP --check "$BIN" "$T/s" 2>"$T/err" && grep -q "$f: changed" "$T/err"'
cp "$SRC/tests/snapshots/$f" "$T/s/$f"
echo '{}' >"$T/s/ig_gone_tool.json"
check "a stale snapshot is caught" '! $SNAP --check "$BIN" "$T/s" 2>"$T/err" && grep -q "ig_gone_tool.json: no such tool" "$T/err"'
rm "$T/s/ig_gone_tool.json" "$T/s/$f"
check "a missing snapshot is caught" '! $SNAP --check "$BIN" "$T/s" 2>"$T/err" && grep -q "$f: no snapshot" "$T/err"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
