// SPDX-License-Identifier: MIT
//
// toolsnaps.mjs: one snapshot file per tool (tests/snapshots/NAME.json):
// its name, title, description, schemas and annotations, exactly as
// tools/list sends them with every toolset on, pretty-printed with sorted
// keys so a diff shows what changed.
//
//   node scripts/toolsnaps.mjs --check  BIN DIR   fails on any difference,
//                                                 a missing or a stale file
//   node scripts/toolsnaps.mjs --update BIN DIR   rewrites DIR (make snapshots)
//
// An interface change is then always a deliberate, reviewed diff.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [mode, bin, dir] = process.argv.slice(2);
if (!['--check', '--update'].includes(mode) || !bin || !dir) {
  console.error('usage: toolsnaps.mjs --check|--update BIN DIR');
  process.exit(2);
}

function sorted(v) {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

const tools = JSON.parse(execFileSync(bin, ['tools', '--json', '--toolsets', 'all'], {
  encoding: 'utf8', env: { PATH: process.env.PATH },
}));
const want = new Map(tools.map((t) => [`${t.name}.json`, `${JSON.stringify(sorted(t), null, 2)}\n`]));
const have = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

if (mode === '--update') {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of have) if (!want.has(f)) fs.unlinkSync(path.join(dir, f));
  for (const [f, text] of want) fs.writeFileSync(path.join(dir, f), text);
  console.log(`${want.size} tool snapshots written to ${dir}`);
  process.exit(0);
}

const problems = [];
for (const f of have) if (!want.has(f)) problems.push(`${f}: no such tool any more (stale snapshot)`);
for (const [f, text] of want) {
  const p = path.join(dir, f);
  if (!fs.existsSync(p)) { problems.push(`${f}: no snapshot (a new tool)`); continue; }
  const old = fs.readFileSync(p, 'utf8');
  if (old === text) continue;
  const a = old.split('\n');
  const b = text.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  problems.push(`${f}: changed at line ${i + 1}:\n    snapshot: ${(a[i] ?? '').trim()}\n    now:      ${(b[i] ?? '').trim()}`);
}
if (problems.length) {
  console.error(`FAIL: ${problems.length} tool interface(s) differ from tests/snapshots:`);
  for (const p of problems) console.error(`  ${p}`);
  console.error('If the change is deliberate, run `make snapshots` and commit the diff.');
  process.exit(1);
}
console.log(`${want.size} tool snapshots match`);
