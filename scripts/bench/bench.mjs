// SPDX-License-Identifier: MIT
//
// bench.mjs: `make bench`.  Runs every benchmark of issue 10 on loopback
// against the igmcp binary (argv[2]) and, where one exists, against the
// reference server (@modelcontextprotocol/server-everything, installed in
// bench/node_modules), and writes bench/results.json for report.mjs.
// Every figure is the median of REPS runs after one warm-up run, with the
// min-max spread.  BENCH_QUICK=1 makes a fast pass with smaller counts.
//
// Usage: node scripts/bench/bench.mjs BIN OUT.json

import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  QUICK, PROTO, HttpPeer, Stdio, cpuUs, drive, freePort, now, okResult, repeat, rssKiB, sleep,
  stat, threadCpuUs, ussKiB, waitFor,
} from './lib.mjs';

const BIN = path.resolve(process.argv[2] || 'build-bench/igmcp');
const OUT = process.argv[3] || 'bench/results.json';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EVERYTHING = path.join(ROOT, 'bench/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const REPS = QUICK ? 3 : 5;
const TMP = mkdtempSync(path.join(os.tmpdir(), 'igmcp-bench-'));
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
const results = { quick: QUICK, reps: REPS, figures: [], scaling: [], notes: [] };

if (!existsSync(EVERYTHING)) {
  console.error(`bench: ${EVERYTHING} is missing (scripts/deps.sh --bench installs it)`);
  process.exit(2);
}

function log(...a) { console.error('bench:', ...a); }

/* Records one figure: key, label, unit, the two stats, the budget as
 * {op: '<'|'>', value} (or null) and whether lower is better. */
function fig(group, label, unit, ig, base, budget = null, lower = true) {
  results.figures.push({ group, label, unit, igmcp: ig, baseline: base, budget, lower });
  const b = base ? ` vs ${base.med.toFixed(2)}` : '';
  log(`${label}: ${ig.med.toFixed(2)} ${unit}${b}`);
}

function env(extra = {}) {
  const e = { PATH: process.env.PATH, HOME: process.env.HOME || TMP, XDG_STATE_HOME: TMP };
  return { ...e, ...extra };
}

const IG_ENV = { IG_LOGIN: 'instagram', IG_ACCESS_TOKEN: 'bench-token-' + 'b'.repeat(20),
                 IG_GRAPH_URL: 'http://127.0.0.1:9', IG_USER_ID: '17841400000000088' };
let dbn = 0;
const freshDb = () => path.join(TMP, `db${dbn++}.sqlite`);

/* The two servers of the protocol benchmarks, over stdio. */
const servers = {
  igmcp: {
    /* The usual case: a store that exists (the warm-up run creates it). */
    stdio: () => new Stdio(BIN, ['serve', '--db', path.join(TMP, 'proto.sqlite')], env(IG_ENV)),
    trivial: ['ig_list_unanswered', {}],
  },
  everything: {
    stdio: () => new Stdio(process.execPath, [EVERYTHING, 'stdio'], env()),
    trivial: ['echo', { message: 'hi' }],
  },
};

/* 1. Protocol overhead over stdio. */
async function protocolStdio() {
  const out = {};
  for (const [name, s] of Object.entries(servers)) {
    const o = (out[name] = {});
    o.start = await repeat(REPS, async () => {
      const p = s.stdio();
      const ms = await p.init();
      await p.close();
      return ms;
    });
    const uss = [];
    o.rssIdle = await repeat(REPS, async () => {
      const p = s.stdio();
      await p.init();
      await p.req('tools/list');
      await sleep(300);
      const kib = rssKiB(p.pid);
      uss.push(ussKiB(p.pid) / 1024);
      await p.close();
      return kib / 1024;
    });
    o.ussIdle = stat(uss.slice(1));
    /* One server for the round trips: per-call wall time and the server's
     * own CPU per call, for tools/list and the trivial call, sequential
     * and 8 in flight. */
    const p = s.stdio();
    await p.init();
    okResult(await p.call(...s.trivial), `${name} ${s.trivial[0]}`);
    const N = QUICK ? 300 : 1000;
    for (const [what, fn] of [['list', () => p.req('tools/list')], ['call', () => p.call(...s.trivial)]]) {
      for (const inflight of [1, 8]) {
        const cpu = [];
        o[`${what}${inflight}`] = await repeat(REPS, async () => {
          const c0 = cpuUs(p.pid);
          const ms = await drive(N, inflight, fn);
          cpu.push((cpuUs(p.pid) - c0) / N);
          return (ms * 1000) / N;
        });
        o[`${what}${inflight}cpu`] = stat(cpu.slice(1));
      }
    }
    /* Up to 10,000 calls since start, then the resident set. */
    const done = p.next - 1;
    await drive(Math.max(0, 10000 - done), 8, () => p.req('tools/list'));
    await sleep(300);
    o.rss10k = stat([rssKiB(p.pid) / 1024]);
    const line = (await p.req('tools/list')).toString('utf8');
    o.tools = JSON.parse(line).result.tools.length;
    o.listBytes = Buffer.byteLength(line);
    await p.close();
  }
  const i = out.igmcp, e = out.everything;
  fig('stdio', 'start to initialize answered', 'ms', i.start, e.start, { op: '<', value: 5 });
  fig('stdio', 'RSS after start', 'MiB', i.rssIdle, e.rssIdle, { op: '<', value: 8 });
  fig('stdio', 'private memory (USS) after start', 'MiB', i.ussIdle, e.ussIdle, { op: '<', value: 8 });
  fig('stdio', 'RSS after 10,000 calls', 'MiB', i.rss10k, e.rss10k);
  fig('stdio', 'tools/list round trip, sequential', 'µs', i.list1, e.list1, { op: '<', value: 100 });
  fig('stdio', 'tools/list server CPU per call, sequential', 'µs', i.list1cpu, e.list1cpu);
  fig('stdio', 'tools/list per call, 8 in flight', 'µs', i.list8, e.list8);
  fig('stdio', 'trivial call round trip, sequential', 'µs', i.call1, e.call1);
  fig('stdio', 'trivial call server CPU per call, sequential', 'µs', i.call1cpu, e.call1cpu);
  fig('stdio', 'trivial call per call, 8 in flight', 'µs', i.call8, e.call8);
  results.notes.push(`tools/list answer: igmcp ${i.tools} tools in ${i.listBytes} bytes (default toolsets), ` +
                     `server-everything ${e.tools} tools in ${e.listBytes} bytes; trivial call: igmcp ` +
                     `ig_list_unanswered on an empty store, server-everything echo`);
}

/* HTTP servers: igmcp serve --http and server-everything streamableHttp. */
async function startHttp(name, extraArgs = []) {
  let proc, url;
  let err = '';
  if (name === 'igmcp') {
    proc = spawn(BIN, ['serve', '--http', '127.0.0.1:0', '--db', freshDb(), '-v', ...extraArgs],
                 { env: env(IG_ENV), stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr.on('data', (c) => { err += c; });
    url = await waitFor(() => (err.match(/serving MCP on (http:\/\/\S+\/mcp)/) || [])[1], 10000, 'igmcp http');
  } else {
    const port = await freePort();
    proc = spawn(process.execPath, [EVERYTHING, 'streamableHttp'],
                 { env: env({ PORT: String(port) }), stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr.on('data', (c) => { err += c; });
    await waitFor(() => /listening on port/.test(err), 15000, 'server-everything http');
    url = `http://127.0.0.1:${port}/mcp`;
  }
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    proc, url, stderr: () => err,
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/* 1 (HTTP part). Round trips over Streamable HTTP, raw keep-alive POSTs. */
async function protocolHttp() {
  const out = {};
  for (const name of ['igmcp', 'everything']) {
    const srv = await startHttp(name);
    const p = new HttpPeer(srv.url);
    await p.init();
    const trivial = servers[name].trivial;
    const o = (out[name] = {});
    const N = QUICK ? 300 : 1000;
    const call = async () => {
      const r = await p.req('tools/call', { name: trivial[0], arguments: trivial[1] });
      if (r.body.includes('"isError":true')) throw new Error(`${name}: trivial call failed`);
    };
    for (const [what, fn] of [['list', () => p.req('tools/list')], ['call', call]]) {
      for (const inflight of [1, 8]) {
        o[`${what}${inflight}`] = await repeat(REPS, async () => (await drive(N, inflight, fn)) * 1000 / N);
      }
    }
    p.agent.destroy();
    await srv.stop();
  }
  const i = out.igmcp, e = out.everything;
  fig('http', 'HTTP tools/list round trip, sequential', 'µs', i.list1, e.list1);
  fig('http', 'HTTP tools/list per call, 8 in flight', 'µs', i.list8, e.list8);
  fig('http', 'HTTP trivial call round trip, sequential', 'µs', i.call1, e.call1);
  fig('http', 'HTTP trivial call per call, 8 in flight', 'µs', i.call8, e.call8);
}

/* 3. wrk on tools/list (2 threads, 2 cores shared with the server), and
 * 1,000 held SSE streams. */
function wrk(url, session, secs) {
  const script = path.join(TMP, 'tools_list.lua');
  writeFileSync(script, [
    'wrk.method = "POST"',
    'wrk.body = \'{"jsonrpc":"2.0","id":1,"method":"tools/list"}\'',
    'wrk.headers["Content-Type"] = "application/json"',
    'wrk.headers["Accept"] = "application/json, text/event-stream"',
    `wrk.headers["MCP-Protocol-Version"] = "${PROTO}"`,
    session ? `wrk.headers["Mcp-Session-Id"] = "${session}"` : '',
  ].join('\n') + '\n');
  const out = execFileSync('wrk', ['-t2', '-c32', `-d${secs}s`, '--latency', '-s', script, url],
                           { encoding: 'utf8' });
  const rps = Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [])[1]);
  const bad = Number((out.match(/Non-2xx or 3xx responses:\s+(\d+)/) || [0, 0])[1]);
  const toMs = (s) => {
    const m = s.match(/([\d.]+)(us|ms|s)/);
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const p50 = toMs(out.match(/\s50%\s+(\S+)/)[1]);
  const p99 = toMs(out.match(/\s99%\s+(\S+)/)[1]);
  if (bad > 0) throw new Error(`wrk: ${bad} non-2xx answers from ${url}`);
  return { rps, p50, p99 };
}

async function httpTransport() {
  const out = {};
  for (const name of ['igmcp', 'everything']) {
    const srv = await startHttp(name, ['--max-sessions', '2000']);
    const p = new HttpPeer(srv.url);
    await p.init();
    const runs = [];
    const secs = QUICK ? 2 : 4;
    wrk(srv.url, p.session, 1); // warm-up
    for (let i = 0; i < REPS; i++) runs.push(wrk(srv.url, p.session, secs));
    out[name] = { rps: stat(runs.map((r) => r.rps)), p50: stat(runs.map((r) => r.p50)),
                  p99: stat(runs.map((r) => r.p99)) };
    p.agent.destroy();
    await srv.stop();
    /* SSE streams, on a fresh server: sessions each with its GET stream
     * held open. */
    const srv2 = await startHttp(name, ['--max-sessions', '2000']);
    const STREAMS = QUICK ? 200 : 1000;
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const held = [];
    const peers = [];
    const base = rssKiB(srv2.proc.pid);
    let t0 = now();
    for (let i = 0; i < STREAMS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, STREAMS - i) }, async () => {
        const q = new HttpPeer(srv2.url, agent);
        await q.init();
        peers.push(q);
        held.push(await q.openStream());
      }));
    }
    const openMs = now() - t0;
    await sleep(500);
    const after = rssKiB(srv2.proc.pid);
    out[name].streams = held.length;
    out[name].perStreamKiB = stat([(after - base) / held.length]);
    out[name].totalMiB = stat([after / 1024]);
    out[name].openMs = openMs;
    for (const r of held) r.destroy();
    agent.destroy();
    await srv2.stop();
  }
  const i = out.igmcp, e = out.everything;
  fig('wrk', 'HTTP tools/list throughput (wrk -t2 -c32)', 'req/s', i.rps, e.rps, { op: '>', value: 20000 }, false);
  fig('wrk', 'HTTP tools/list p50 latency', 'ms', i.p50, e.p50);
  fig('wrk', 'HTTP tools/list p99 latency', 'ms', i.p99, e.p99);
  fig('sse', `server RSS with ${i.streams} SSE streams held`, 'MiB', i.totalMiB, e.totalMiB,
      i.streams === 1000 ? { op: '<', value: 64 } : null);
  fig('sse', 'memory per held SSE stream (its session included)', 'KiB', i.perStreamKiB, e.perStreamKiB);
  results.notes.push(`SSE: ${i.streams} sessions opened, each with its GET stream held, on a fresh server; ` +
                     `igmcp took ${(i.openMs / 1000).toFixed(1)} s to open them, server-everything ` +
                     `${(e.openMs / 1000).toFixed(1)} s`);
}

/* igmcp serve --sandbox over stdio, every toolset, with the sandbox's
 * admin URL (from -v on stderr). */
async function sandboxServer(extraArgs = []) {
  const p = new Stdio(BIN, ['serve', '--sandbox', '-v', ...extraArgs],
                      env({ IGMCP_TOOLSETS: 'all' }));
  await p.init();
  const admin = await waitFor(() => (p.err.match(/sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/) || [])[1],
                              10000, 'the sandbox URL');
  p.admin = async (method, sub, body) => {
    const r = await fetch(`${admin}/__sandbox/${sub}`, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    const j = await r.json();
    if (!r.ok) throw new Error(`admin ${method} ${sub}: ${JSON.stringify(j)}`);
    return j;
  };
  return p;
}

/* 2. Graph-backed calls: calls/s and igmcp's own time per call (wall
 * minus the sandbox's summed X-Sandbox-Time-Us, GET /__sandbox/stats). */
async function graphCalls() {
  const p = await sandboxServer();
  const convs = (await p.admin('GET', 'conversations')).data;
  const open = convs.find((c) => c.window === 'open' && c.folder === 'inbox');
  if (!open) throw new Error('no open conversation in the sandbox');
  let k = 0;
  const kinds = {
    read: { n: QUICK ? 50 : 200, call: () => p.call('ig_list_conversations', { limit: 25 }) },
    send: { n: QUICK ? 50 : 200,
            call: () => p.call('ig_send_message', { recipient_id: open.user_id, text: `bench ${k++}` }) },
    publish: { n: QUICK ? 10 : 25, reset: true,
               call: () => p.call('ig_publish', { kind: 'image', image_url: `https://example.com/b${k++}.jpg`,
                                                  caption: 'bench' }) },
  };
  for (const [what, kd] of Object.entries(kinds)) {
    okResult(await kd.call(), `ig ${what}`);
    const rate = [];
    const over = [];
    const graph = [];
    const cpu = [];
    await repeat(REPS, async (rep) => {
      if (kd.reset) {
        await p.admin('POST', 'reset'); // the publishing quota
        /* One untimed call, so the rate-limit governor sees the usage the
         * reset brought down (it pauses calls while the last usage it saw
         * was above 85 %). */
        okResult(await kd.call(), `ig ${what}`);
      }
      const s0 = await p.admin('GET', 'stats');
      const c0 = cpuUs(p.pid) - threadCpuUs(p.pid, /^MHD/);
      const t0 = now();
      for (let i = 0; i < kd.n; i++) okResult(await kd.call(), `ig ${what}`);
      const ms = now() - t0;
      const c1 = cpuUs(p.pid) - threadCpuUs(p.pid, /^MHD/);
      const s1 = await p.admin('GET', 'stats');
      const sbxMs = (s1.time_us - s0.time_us) / 1000;
      if (rep >= 0) {
        rate.push(kd.n / (ms / 1000));
        over.push(((ms - sbxMs) * 1000) / kd.n);
        graph.push((s1.requests - s0.requests) / kd.n);
        cpu.push((c1 - c0) / kd.n);
      }
      return 0;
    });
    fig('graph', `${what}: calls per second`, 'calls/s', stat(rate), null, null, false);
    fig('graph', `${what}: igmcp overhead per call (wall − sandbox time)`, 'µs', stat(over), null,
        { op: '<', value: 200 });
    fig('graph', `${what}: igmcp CPU per call (the sandbox's threads excluded)`, 'µs', stat(cpu), null,
        { op: '<', value: 200 });
    results.notes.push(`${what}: ${stat(graph).med} Graph requests per call`);
  }
  await p.close();
}

/* 4. Webhook ingestion: signed deliveries of one message event each,
 * 8 in flight, each acknowledged after its commit; then the events are
 * counted in the store.  "without FTS" drops the store's FTS triggers
 * before the run. */
const APP_SECRET = 'bench-app-secret-' + 'w'.repeat(16);
const ACCT = '17841400000000088';
function delivery(run, i) {
  return JSON.stringify({ object: 'instagram', entry: [{ id: ACCT, time: 1714000000, messaging: [{
    sender: { id: `9${i % 500}` }, recipient: { id: ACCT }, timestamp: 1714000000000 + i,
    message: { mid: `r${run}m${i}`, text: `webhook benchmark message ${i} of run ${run}` } }] }] });
}

async function webhookRun(n, fts, run) {
  const db = freshDb();
  const wenv = env({ ...IG_ENV, IG_APP_SECRET: APP_SECRET });
  const start = async () => {
    const proc = spawn(BIN, ['serve', '--http', '127.0.0.1:0', '--db', db, '-v'],
                       { env: wenv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (c) => { err += c; });
    const url = await waitFor(() => (err.match(/serving MCP on (http:\/\/\S+)\/mcp/) || [])[1], 10000, 'igmcp');
    const exited = new Promise((r) => proc.on('exit', r));
    return { proc, url, exited };
  };
  if (!fts) { // create the store, then drop its FTS triggers
    const s = await start();
    s.proc.kill('SIGTERM');
    await s.exited;
    const names = execFileSync('sqlite3', [db, "SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE '%fts%'"],
                               { encoding: 'utf8' }).split('\n').filter(Boolean);
    execFileSync('sqlite3', [db, names.map((t) => `DROP TRIGGER ${t};`).join('')]);
  }
  const s = await start();
  const u = new URL(s.url + '/webhook');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const post = (body) => new Promise((resolve, reject) => {
    const sig = 'sha256=' + createHmac('sha256', APP_SECRET).update(body).digest('hex');
    const r = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
                             headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig,
                                        'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`webhook HTTP ${res.statusCode}`))));
    });
    r.on('error', reject);
    r.end(body);
  });
  const bodies = Array.from({ length: n }, (_, i) => delivery(run, i));
  const ms = await drive(n, 8, (i) => post(bodies[i - 1]));
  agent.destroy();
  s.proc.kill('SIGTERM');
  await s.exited;
  const stored = Number(execFileSync('sqlite3', [db, "SELECT count(*) FROM events WHERE kind = 'message'"],
                                     { encoding: 'utf8' }).trim());
  if (stored !== n) throw new Error(`webhooks: ${n} acknowledged, ${stored} stored`);
  return n / (ms / 1000);
}

let whRun = 0;
async function webhooks() {
  const N = QUICK ? 500 : 2000;
  for (const fts of [true, false]) {
    const r = await repeat(REPS, () => webhookRun(N, fts, whRun++));
    fig('webhook', `webhook events stored per second, ${fts ? 'with' : 'without'} FTS`, 'events/s', r, null,
        fts ? { op: '>', value: 5000 } : null, false);
  }
  results.notes.push(`webhooks: ${N} signed deliveries of one message each, 8 in flight, every one ` +
                     'acknowledged after its commit and counted in the store afterwards (none lost)');
  for (const n of [N / 10, N, N * 10]) {
    const t0 = now();
    const rate = await webhookRun(n, true, whRun++);
    results.scaling.push({ what: 'webhook ingestion (events)', work: n, value: rate, unit: 'events/s',
                           wall: (now() - t0) / 1000 });
  }
}

/* 5. Inbox sync: conversations x 20 messages seeded, 50 ms added to every
 * sandbox request, a full ig_sync_inbox; Graph round trips from the
 * sandbox's stats against the naive plan (one per conversation and one per
 * message). */
async function syncRun(count) {
  const db = freshDb();
  const p = await sandboxServer(['--login', 'facebook', '--db', db]);
  for (let left = count, i = 0; left > 0; left -= 5000, i++) {
    await p.admin('POST', 'seed', { count: Math.min(5000, left), messages: 20, prefix: `b${i}` });
  }
  const inbox = (await p.admin('GET', 'conversations')).data.filter((c) => c.folder === 'inbox');
  await p.admin('POST', 'faults', { kind: 'delay', ms: 50, count: 1000000 });
  const s0 = await p.admin('GET', 'stats');
  const t0 = now();
  const line = await p.req('tools/call', { name: 'ig_sync_inbox', arguments: { full: true } });
  const wall = (now() - t0) / 1000;
  const s1 = await p.admin('GET', 'stats');
  const res = okResult(line, 'ig_sync_inbox');
  await p.close();
  const convs = inbox.length;
  const msgs = inbox.reduce((a, c) => a + c.messages, 0);
  const stored = Number(execFileSync('sqlite3', [db, 'SELECT count(*) FROM messages'], { encoding: 'utf8' }).trim());
  return { convs, msgs, trips: s1.requests - s0.requests, wall, naive: convs + msgs, stored,
           result: res.structuredContent };
}

async function inboxSync() {
  const r = await syncRun(1000);
  if (r.stored < r.msgs) throw new Error(`sync stored ${r.stored} of ${r.msgs} messages`);
  const naiveWall = (r.naive * 50) / 1000;
  fig('sync', `inbox sync of ${r.convs} conversations, ${r.msgs} messages: Graph round trips`, 'requests',
      stat([r.trips]), stat([r.naive]), { op: '<', value: Math.ceil(r.naive / 50) });
  fig('sync', 'inbox sync wall time with 50 ms per request', 's', stat([r.wall]), stat([naiveWall]));
  results.notes.push(`inbox sync: baseline = the naive plan, one request per conversation and per message ` +
                     `(${r.naive}), its wall time ${r.naive} × 50 ms sequential (computed, not run); ` +
                     `igmcp stored ${r.stored} messages`);
  for (const c of QUICK ? [100, 1000] : [100, 1000, 10000]) {
    const x = c === 1000 ? r : await syncRun(c);
    results.scaling.push({ what: 'inbox sync (conversations × 20)', work: c, value: x.trips, unit: 'round trips',
                           wall: x.wall });
  }
}

/* 6 (calls). The read call at 10× fewer and 10× more calls. */
async function callScaling() {
  const p = await sandboxServer();
  for (const n of QUICK ? [20, 200] : [20, 200, 2000]) {
    const t0 = now();
    for (let i = 0; i < n; i++) okResult(await p.call('ig_list_conversations', { limit: 25 }), 'read');
    const s = (now() - t0) / 1000;
    results.scaling.push({ what: 'Graph-backed read calls', work: n, value: n / s, unit: 'calls/s', wall: s });
  }
  const p2 = servers.igmcp.stdio();
  await p2.init();
  for (const n of QUICK ? [100, 1000] : [100, 1000, 10000]) {
    const t0 = now();
    await drive(n, 8, () => p2.req('tools/list'));
    const s = (now() - t0) / 1000;
    results.scaling.push({ what: 'stdio tools/list, 8 in flight', work: n, value: n / s, unit: 'calls/s', wall: s });
  }
  await p2.close();
  await p.close();
}

const steps = [['protocol', protocolStdio], ['http', protocolHttp], ['wrk', httpTransport],
               ['graph', graphCalls], ['webhook', webhooks], ['sync', inboxSync], ['scaling', callScaling]];
const t0 = now();
const LOAD0 = os.loadavg();
try {
  for (const [name, fn] of steps) {
    if (ONLY && !ONLY.includes(name)) continue;
    const s = now();
    log(`-- ${name}`);
    await fn();
    log(`-- ${name} took ${((now() - s) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(TMP, { recursive: true, force: true });
}
results.seconds = (now() - t0) / 1000;
results.load = { start: LOAD0, end: os.loadavg() };
results.machine = {
  cores: os.cpus().length, cpu: os.cpus()[0].model.trim(), memGiB: os.totalmem() / 2 ** 30,
  kernel: os.release(), node: process.version,
  igmcp: execFileSync(BIN, ['--version'], { encoding: 'utf8' }).trim(),
  everything: JSON.parse(readFileSync(path.join(path.dirname(EVERYTHING), '../package.json'), 'utf8')).version,
};
results.date = new Date().toISOString();
writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
log(`wrote ${OUT} in ${results.seconds.toFixed(0)} s`);
