// SPDX-License-Identifier: MIT
//
// http_streams.test.mjs: 1,000 GET streams held at once by one
// `igmcp serve --http` (one per session, so 1,000 sessions), over raw
// node:http with no SDK and no connection reuse.  Every stream must get
// its first bytes, /healthz and a POST must still answer while they are
// held, the server must notice when every client goes away (its keep-alive
// write fails and the stream is freed), and SIGTERM must still end it with
// exit 0 (on the ASan build, a leak or error fails that exit).
//
// IGMCP_E2E_STREAMS sets the count (default 1000), for a quick local run.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startHttpServer, waitFor, withTimeout } from './lib.mjs';

const N = Number(process.env.IGMCP_E2E_STREAMS || 1000);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
let server;

after(() => {
  agent.destroy();
  if (server && !server.exit) server.proc.kill('SIGKILL');
});

/* One request with a complete answer: {status, headers, body}. */
function request(url, { method = 'POST', path, headers = {}, body } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, method, path: path ?? u.pathname, agent,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                                    body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(20000, () => req.destroy(new Error(`${method} ${path ?? u.pathname}: timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

async function health(url) {
  const r = await request(url, { method: 'GET', path: '/healthz' });
  assert.equal(r.status, 200);
  return JSON.parse(r.body);
}

/* initialize + notifications/initialized; the session id. */
async function session(url, i) {
  const init = await request(url, {
    body: { jsonrpc: '2.0', id: 1, method: 'initialize',
            params: { protocolVersion: '2025-11-25', capabilities: {},
                      clientInfo: { name: `streams-${i}`, version: '1' } } },
  });
  assert.equal(init.status, 200, init.body);
  const sid = init.headers['mcp-session-id'];
  const n = await request(url, { headers: { 'Mcp-Session-Id': sid },
                                 body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
  assert.equal(n.status, 202);
  return sid;
}

/* Opens a GET stream; resolves {req, text} once its first bytes arrive. */
function openStream(url, sid) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'GET', agent,
                               headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': sid } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET: HTTP ${res.statusCode}`));
      res.once('data', (c) => resolve({ req, text: c.toString('utf8') }));
      res.on('error', () => {}); // our own destroy() at the end
    });
    req.on('error', reject);
    req.end();
  });
}

/* Runs fn(i) for i in [0, n) with at most width calls in flight. */
async function pool(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : NaN;
}

test(`${N} concurrent GET streams: first bytes, /healthz meanwhile, clients gone, clean exit`, async (t) => {
  const t0 = Date.now();
  server = await startHttpServer({
    connect: false,
    extraArgs: ['--max-sessions', String(2 * N)],
    env: { IGMCP_HTTP_PING_MS: '250' },
  });
  const { url } = server;
  const rss0 = rssKiB(server.proc.pid);

  const sids = await pool(N, 64, (i) => session(url, i));
  assert.equal(new Set(sids).size, N);
  assert.deepEqual(await health(url), { status: 'ok', sessions: N, streams: 0 });
  const tInit = Date.now();
  const rssSessions = rssKiB(server.proc.pid);
  // One worker pool for every session: threads do not grow with sessions.
  const threads = Number(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8').match(/^Threads:\s+(\d+)/m)[1]);
  assert.ok(threads < 40, `${threads} threads for ${N} sessions`);

  // Every stream at once; each must deliver its opening comment.
  const streams = await withTimeout(Promise.all(sids.map((sid) => openStream(url, sid))),
                                    60000, `${N} GET streams to open`);
  const tOpen = Date.now();
  for (const s of streams) assert.match(s.text, /^: stream open\n\n/);

  // Held: the server still answers, and counts them.
  assert.deepEqual(await health(url), { status: 'ok', sessions: N, streams: N });
  const ping = await request(url, { headers: { 'Mcp-Session-Id': sids[N - 1] },
                                    body: { jsonrpc: '2.0', id: 7, method: 'ping' } });
  assert.equal(ping.status, 200);
  assert.deepEqual(JSON.parse(ping.body), { jsonrpc: '2.0', id: 7, result: {} });
  const rssHeld = rssKiB(server.proc.pid);

  // Every client goes away without a goodbye; the keep-alive writes find
  // the dead sockets and every stream is freed.
  for (const s of streams) s.req.destroy();
  await waitFor(async () => (await health(url)).streams === 0,
                { timeout: 30000, interval: 100, what: 'every stream to be freed' });
  const tGone = Date.now();
  assert.equal(server.exit, null, 'the server is still running');
  assert.deepEqual(await health(url), { status: 'ok', sessions: N, streams: 0 });

  assert.deepEqual(await withTimeout(server.close(), 30000, 'exit after SIGTERM'), { code: 0, signal: null });
  assert.doesNotMatch(server.stderr(), /AddressSanitizer|runtime error|LeakSanitizer/);
  t.diagnostic(`${N} sessions in ${tInit - t0} ms, ${N} streams open in ${tOpen - tInit} ms, ` +
               `freed ${tGone - tOpen} ms later, exit ${Date.now() - tGone} ms; ` +
               `server RSS ${rss0} KiB at start, ${rssSessions} KiB with the sessions, ` +
               `${rssHeld} KiB holding the streams; ${threads} threads`);
});
