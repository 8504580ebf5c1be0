// SPDX-License-Identifier: MIT
//
// webhook_kill.test.mjs: no acknowledged webhook delivery is lost when the
// server dies.  `igmcp serve --http` runs on a temporary --db file with
// IG_APP_SECRET; a burst of signed POST /webhook deliveries goes out over
// many connections at once and the server is killed with SIGKILL in the
// middle of it.  Then every event whose POST got 200 must be in the file:
// read with the sqlite3 CLI, and again through a restarted server, which
// must report every re-delivered event of those POSTs as a duplicate.
// (The test fails if the receiver answers before the store's COMMIT:
// deliveries still waiting for the store when the kill lands are lost.)
// A second test sends SIGTERM mid-burst instead: the server must exit 0
// after storing and answering what it accepted, and refuse the rest.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, childEnv, assertNoSecrets, waitFor } from './lib.mjs';

const SECRET = 'kill-test-app-secret-' + 'Qm4vZ8rT2wX6';
const ACCT = '17841400000000077';
const POSTS = 1500;         // deliveries in the burst
const PER_POST = 4;         // messages per delivery
const KILL_AFTER = 150;     // acknowledged deliveries before the SIGKILL
const tmp = mkdtempSync(path.join(os.tmpdir(), 'igmcp-whkill-'));
let DB = path.join(tmp, 'inbox.db');
const procs = [];

after(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/* `igmcp serve --http 127.0.0.1:0 --db DB` with a (never used) Graph URL
 * on a closed port; resolves {proc, base, stderr(), exited}. */
async function serve() {
  const proc = spawn(BIN, ['serve', '--http', '127.0.0.1:0', '--db', DB, '-v'], {
    env: childEnv({ IG_LOGIN: 'instagram', IG_ACCESS_TOKEN: 'kill-test-token-' + 'x'.repeat(12),
                    IG_APP_SECRET: SECRET, IG_GRAPH_URL: 'http://127.0.0.1:9' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  procs.push(proc);
  let err = '';
  proc.stderr.on('data', (c) => { err += c.toString('utf8'); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await waitFor(() => (err.match(/serving MCP on (http:\/\/\S+)\/mcp/) || [])[1]
                                  || (proc.exitCode !== null && 'exited'),
                            { timeout: 15000, what: 'the server URL on stderr' });
  if (url === 'exited') throw new Error(`igmcp exited: ${err.slice(-500)}`);
  return { proc, base: url, stderr: () => err, exited };
}

/* Delivery i: PER_POST messages from user u<i>, mids k<i>-<j>. */
function delivery(i) {
  const entry = [];
  for (let j = 0; j < PER_POST; j++) {
    entry.push({ id: ACCT, time: 1714000000, messaging: [{
      sender: { id: `u${i}` }, recipient: { id: ACCT }, timestamp: 1714000000000 + i * 10 + j,
      message: { mid: `k${i}-${j}`, text: `burst ${i}.${j}` } }] });
  }
  return JSON.stringify({ object: 'instagram', entry });
}

/* One signed POST; resolves {status, json} or {error}. */
function post(agent, base, body) {
  const u = new URL(base + '/webhook');
  const sig = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
  return new Promise((resolve) => {
    const req = http.request({
      host: u.hostname, port: u.port, method: 'POST', path: u.pathname, agent,
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig,
                 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json });
      });
      res.on('error', (error) => resolve({ error }));
    });
    req.setTimeout(30000, () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ error }));
    req.end(body);
  });
}

/* Every event of the deliveries in ok must be in the file, and no
 * delivery half stored. */
function checkFile(ok) {
  const keys = sqliteKeys();
  if (keys === null) {
    console.log('# sqlite3 CLI not found: checking through the restarted server only');
    return;
  }
  const missing = [];
  for (const i of ok) {
    for (let j = 0; j < PER_POST; j++) if (!keys.has(`message:k${i}-${j}`)) missing.push(`k${i}-${j}`);
  }
  assert.deepEqual(missing, [], `${missing.length} acknowledged events missing`);
  for (let i = 0; i < POSTS; i++) {
    let n = 0;
    for (let j = 0; j < PER_POST; j++) if (keys.has(`message:k${i}-${j}`)) n++;
    assert.ok(n === 0 || n === PER_POST, `delivery ${i} is half stored (${n} of ${PER_POST})`);
  }
}

function sqliteKeys() {
  const r = spawnSync('sqlite3', [DB, "SELECT key FROM events WHERE kind = 'message'"],
                      { encoding: 'utf8' });
  if (r.error) return null; // no sqlite3 CLI
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return new Set(r.stdout.split('\n').filter(Boolean));
}

test('SIGKILL in the middle of a webhook burst loses no acknowledged event', async () => {
  const s = await serve();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 48 });
  const bodies = Array.from({ length: POSTS }, (_, i) => delivery(i));
  const results = new Array(POSTS);
  let acked = 0;
  let killedAt = -1;
  await Promise.all(bodies.map(async (body, i) => {
    const r = await post(agent, s.base, body);
    results[i] = r;
    if (r.status === 200 && ++acked === KILL_AFTER) {
      killedAt = acked;
      s.proc.kill('SIGKILL');
    }
  }));
  agent.destroy();
  const ex = await s.exited;
  assert.equal(ex.signal, 'SIGKILL', 'the server was killed');
  assert.equal(killedAt, KILL_AFTER);
  const ok = results.map((r, i) => (r.status === 200 ? i : -1)).filter((i) => i >= 0);
  const other = results.filter((r) => r.status !== 200);
  // The kill must have landed mid-burst: some deliveries never got a 200.
  assert.ok(other.length > 0, `every one of ${POSTS} deliveries was answered before the kill`);
  for (const i of ok) {
    assert.deepEqual(results[i].json, { received: PER_POST, applied: PER_POST, duplicates: 0 });
  }
  for (const r of other) assert.ok(r.error || r.status >= 500, `unexpected status ${r.status}`);
  assertNoSecrets(s.stderr(), { IG_APP_SECRET: SECRET }, 'the server log');

  // 1. The file, as SQLite reads it (recovering the WAL).
  checkFile(ok);

  // 2. The restarted server on the same file: every acknowledged delivery
  // sent again is all duplicates.
  const s2 = await serve();
  const agent2 = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const again = await Promise.all(ok.map((i) => post(agent2, s2.base, bodies[i])));
  agent2.destroy();
  again.forEach((r, k) => {
    assert.equal(r.status, 200, `re-delivery of ${ok[k]}: ${r.error || r.status}`);
    assert.deepEqual(r.json, { received: PER_POST, applied: 0, duplicates: PER_POST },
                     `delivery ${ok[k]} was acknowledged but is not stored`);
  });
  s2.proc.kill('SIGTERM');
  const ex2 = await s2.exited;
  assert.equal(ex2.code, 0, `the restarted server exited with ${JSON.stringify(ex2)}: ${s2.stderr().slice(-800)}`);
  assertNoSecrets(s2.stderr(), { IG_APP_SECRET: SECRET }, 'the restarted server log');
  console.log(`# ${ok.length} of ${POSTS} deliveries acknowledged before SIGKILL, all stored`);
});

test('SIGTERM in the middle of a webhook burst: accepted deliveries are stored, then exit 0', async () => {
  DB = path.join(tmp, 'term.db');
  const s = await serve();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 48 });
  const bodies = Array.from({ length: POSTS }, (_, i) => delivery(i));
  const results = new Array(POSTS);
  let acked = 0;
  await Promise.all(bodies.map(async (body, i) => {
    const r = await post(agent, s.base, body);
    results[i] = r;
    if (r.status === 200 && ++acked === KILL_AFTER) s.proc.kill('SIGTERM');
  }));
  agent.destroy();
  const ex = await s.exited;
  assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}: ${s.stderr().slice(-800)}`);
  const ok = results.map((r, i) => (r.status === 200 ? i : -1)).filter((i) => i >= 0);
  assert.ok(ok.length >= KILL_AFTER && ok.length < POSTS, `${ok.length} acknowledged`);
  for (const r of results) {
    assert.ok(r.status === 200 || r.status === 503 || r.error, `unexpected status ${r.status}`);
  }
  checkFile(ok);
  console.log(`# ${ok.length} of ${POSTS} deliveries acknowledged around SIGTERM, all stored`);
});
