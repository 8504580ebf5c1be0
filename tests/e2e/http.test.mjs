// SPDX-License-Identifier: MIT
//
// http.test.mjs: `igmcp serve --sandbox --http 127.0.0.1:0` (Streamable
// HTTP, legacy era) driven by the official SDK's
// StreamableHTTPClientTransport, and by raw HTTP requests for what an SDK
// never sends: missing and unknown sessions, a foreign Origin or Host, an
// oversized body, bearer tokens right, wrong, absent and in the query
// string; GET stream resumption (Last-Event-ID), --max-sessions and idle
// expiry.  Every server must exit 0 on SIGTERM, streams open or not (the
// suite also runs on the ASan build, where a leak or error fails the exit).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { BIN, TOOL_NAMES, childEnv, sandboxSecrets, assertNoSecrets, sleep, startHttpServer, waitFor,
         withTimeout } from './lib.mjs';

const servers = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'igmcp-http-'));
const TOKEN = 'e2e-bearer-' + 'x7Kq9mZ2vB4nR8tW1yL5';

after(async () => {
  for (const s of servers) if (!s.exit) s.proc.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

async function start(opts) {
  const s = await startHttpServer(opts);
  servers.push(s);
  return s;
}

/* One raw HTTP request; resolves {status, headers, body}. */
function raw(url, { method = 'POST', headers = {}, body, path: p } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, method, path: p ?? u.pathname + u.search,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                                    body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    req.end();
  });
}

const INIT = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/* initialize + initialized over raw HTTP; returns the session id. */
async function rawSession(url, headers = {}) {
  const r = await raw(url, { body: INIT, headers });
  assert.equal(r.status, 200, r.body);
  const sid = r.headers['mcp-session-id'];
  assert.match(sid, /^[0-9a-f]{64}$/);
  const n = await raw(url, { body: { jsonrpc: '2.0', method: 'notifications/initialized' },
                             headers: { 'Mcp-Session-Id': sid, ...headers } });
  assert.equal(n.status, 202);
  assert.equal(n.body, '');
  return sid;
}

let S; // the server most tests share

test('SDK over HTTP: initialize, tools/list, a tool call', async () => {
  S = await start();
  assert.match(S.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.match(S.transport.sessionId, /^[0-9a-f]{64}$/);
  assert.equal(S.client.getServerVersion().name, 'igmcp');
  const { tools } = await S.client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOL_NAMES].sort());
  const r = await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 2 } });
  assert.notEqual(r.isError, true);
  assert.ok(r.structuredContent.conversations.length >= 1);
});

test('progress arrives over the POST SSE stream before the result', async () => {
  await S.admin.fault({ kind: 'delay', ms: 300, count: 1 });
  const seen = [];
  const r = await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } },
                                    undefined, { onprogress: (p) => seen.push(p), timeout: 15000 });
  assert.notEqual(r.isError, true);
  assert.ok(seen.length >= 1, 'at least one notifications/progress');
  let last = 0;
  for (const p of seen) {
    assert.ok(p.progress > last);
    last = p.progress;
  }
  // The same over raw HTTP: text/event-stream, progress then the response.
  const sid = S.transport.sessionId;
  const res = await raw(S.url, {
    headers: { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' },
    body: { jsonrpc: '2.0', id: 'p', method: 'tools/call',
            params: { name: 'ig_list_conversations', arguments: { limit: 1 }, _meta: { progressToken: 7 } } },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  const events = res.body.split('\n\n').filter((e) => e.includes('data: '))
    .map((e) => JSON.parse(e.split('\n').find((l) => l.startsWith('data: ')).slice(6)));
  assert.ok(events.length >= 2);
  assert.equal(events[0].method, 'notifications/progress');
  assert.equal(events[0].params.progressToken, 7);
  assert.equal(events.at(-1).id, 'p');
  assert.ok(events.at(-1).result);
  // Without a progress token the answer is plain JSON.
  const plain = await raw(S.url, {
    headers: { 'Mcp-Session-Id': sid },
    body: { jsonrpc: '2.0', id: 'q', method: 'tools/call',
            params: { name: 'ig_list_conversations', arguments: { limit: 1 } } },
  });
  assert.equal(plain.status, 200);
  assert.match(plain.headers['content-type'], /^application\/json/);
  assert.equal(JSON.parse(plain.body).id, 'q');
});

test('logging/setLevel, then a call: notifications/message on the GET stream', async () => {
  const logs = [];
  S.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  await S.client.setLoggingLevel('debug');
  await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } });
  await waitFor(() => logs.length > 0, { timeout: 5000, what: 'a notifications/message' });
  assert.ok(logs.some((l) => /ig_list_conversations/.test(String(l.data))));
  assertNoSecrets(JSON.stringify(logs), sandboxSecrets(), 'log notifications');
});

test('sessions: missing 400, unknown 404, DELETE ends one, bad protocol version 400', async () => {
  const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
  const missing = await raw(S.url, { body: ping });
  assert.equal(missing.status, 400);
  assert.equal(JSON.parse(missing.body).error.code, -32600);
  const unknown = await raw(S.url, { body: ping, headers: { 'Mcp-Session-Id': 'f'.repeat(64) } });
  assert.equal(unknown.status, 404);
  const sid = await rawSession(S.url);
  const ok = await raw(S.url, { body: ping, headers: { 'Mcp-Session-Id': sid } });
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.body), { jsonrpc: '2.0', id: 2, result: {} });
  const badv = await raw(S.url, { body: ping, headers: { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '1999-01-01' } });
  assert.equal(badv.status, 400);
  const goodv = await raw(S.url, { body: ping, headers: { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' } });
  assert.equal(goodv.status, 200);
  const getNoSid = await raw(S.url, { method: 'GET', headers: { Accept: 'text/event-stream' } });
  assert.equal(getNoSid.status, 400);
  const del = await raw(S.url, { method: 'DELETE', headers: { 'Mcp-Session-Id': sid } });
  assert.ok(del.status === 200 || del.status === 204, `DELETE: ${del.status}`);
  const again = await raw(S.url, { body: ping, headers: { 'Mcp-Session-Id': sid } });
  assert.equal(again.status, 404);
  const delAgain = await raw(S.url, { method: 'DELETE', headers: { 'Mcp-Session-Id': sid } });
  assert.equal(delAgain.status, 404);
  const put = await raw(S.url, { method: 'PUT', body: ping });
  assert.equal(put.status, 405);
});

test('security: foreign Origin and Host 403, loopback origins pass, /healthz', async () => {
  const o = await raw(S.url, { body: INIT, headers: { Origin: 'http://evil.example.com' } });
  assert.equal(o.status, 403);
  assert.equal(o.headers['mcp-session-id'], undefined);
  const h = await raw(S.url, { body: INIT, headers: { Host: 'evil.example.com', Origin: 'http://evil.example.com' } });
  assert.equal(h.status, 403);
  const hostOnly = await raw(S.url, { body: INIT, headers: { Host: 'evil.example.com' } });
  assert.equal(hostOnly.status, 403);
  const port = new URL(S.url).port;
  const local = await raw(S.url, { body: INIT, headers: { Host: `localhost:${port}`, Origin: `http://localhost:${port}` } });
  assert.equal(local.status, 200);
  const v6 = await raw(S.url, { body: INIT, headers: { Origin: 'https://[::1]:3000' } });
  assert.equal(v6.status, 200);
  const hz = await raw(S.url, { method: 'GET', path: '/healthz' });
  assert.equal(hz.status, 200);
  const health = JSON.parse(hz.body);
  assert.equal(health.status, 'ok');
  assert.ok(Number.isInteger(health.sessions) && health.sessions >= 1, hz.body);
  assert.ok(Number.isInteger(health.streams) && health.streams >= 0, hz.body);
  const nf = await raw(S.url, { method: 'GET', path: '/other' });
  assert.equal(nf.status, 404);
});

test('a body over 4 MiB gets 413, and the server still answers', async () => {
  const big = Buffer.alloc(4 * 1024 * 1024 + 16, 0x20);
  const r = await raw(S.url, { body: big });
  assert.equal(r.status, 413);
  const sid = await rawSession(S.url);
  assert.match(sid, /^[0-9a-f]{64}$/);
});

test('--allow-origin adds origins', async () => {
  const s = await start({ connect: false, extraArgs: ['--allow-origin', 'https://app.example.com,https://b.example'] });
  assert.equal((await raw(s.url, { body: INIT, headers: { Origin: 'https://app.example.com' } })).status, 200);
  assert.equal((await raw(s.url, { body: INIT, headers: { Origin: 'https://b.example' } })).status, 200);
  assert.equal((await raw(s.url, { body: INIT, headers: { Origin: 'https://c.example' } })).status, 403);
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('bearer authentication: 401 with WWW-Authenticate, PRM document, no query tokens', async () => {
  const loose = path.join(tmp, 'loose-token');
  writeFileSync(loose, TOKEN + '\n');
  chmodSync(loose, 0o644);
  await assert.rejects(start({ connect: false, extraArgs: ['--auth-token-file', loose] }), /group or others/);

  const file = path.join(tmp, 'token');
  writeFileSync(file, `  ${TOKEN}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  const s = await start({
    connect: false,
    extraArgs: ['--auth-token-file', file, '--auth-server', 'https://auth.example.com'],
  });
  const none = await raw(s.url, { body: INIT });
  assert.equal(none.status, 401);
  const host = new URL(s.url).host;
  assert.equal(none.headers['www-authenticate'],
               `Bearer resource_metadata="http://${host}/.well-known/oauth-protected-resource"`);
  const wrong = await raw(s.url, { body: INIT, headers: { Authorization: `Bearer ${TOKEN}y` } });
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers['www-authenticate'], /error="invalid_token"/);
  const basic = await raw(s.url, { body: INIT, headers: { Authorization: 'Basic Zm9vOmJhcg==' } });
  assert.equal(basic.status, 401);
  const query = await raw(s.url, { body: INIT, path: `/mcp?access_token=${TOKEN}` });
  assert.equal(query.status, 400);
  const both = await raw(s.url, { body: INIT, path: `/mcp?access_token=${TOKEN}`,
                                  headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(both.status, 400, 'a token in the URL is refused even with a good header');
  const right = await raw(s.url, { body: INIT, headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(right.status, 200);
  assert.match(right.headers['mcp-session-id'], /^[0-9a-f]{64}$/);

  for (const p of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
    const prm = await raw(s.url, { method: 'GET', path: p });
    assert.equal(prm.status, 200);
    const doc = JSON.parse(prm.body);
    assert.equal(doc.resource, s.url);
    assert.deepEqual(doc.bearer_methods_supported, ['header']);
    assert.deepEqual(doc.authorization_servers, ['https://auth.example.com']);
  }
  assert.equal((await raw(s.url, { method: 'GET', path: '/healthz' })).status, 200, '/healthz needs no token');

  // The SDK with the header: a whole session works.
  const authed = await startSdkClient(s.url, { Authorization: `Bearer ${TOKEN}` });
  const r = await authed.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } });
  assert.notEqual(r.isError, true);
  await authed.close();

  assert.ok(!s.stderr().includes(TOKEN), 'the bearer token never reaches stderr');
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('without --auth-token-file there is no PRM document', async () => {
  const r = await raw(S.url, { method: 'GET', path: '/.well-known/oauth-protected-resource' });
  assert.equal(r.status, 404);
});

/* An SDK client on url with extra headers. */
async function startSdkClient(url, headers) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const c = new Client({ name: 'igmcp-e2e-http', version: '1.0.0' }, { capabilities: {} });
  await withTimeout(c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })),
                    15000, 'initialize');
  return c;
}

test('cancellation: an aborted call rejects, the session goes on', async () => {
  await S.admin.fault({ kind: 'delay', ms: 2000, count: 1 });
  const ac = new AbortController();
  const seen = (await S.admin.requests()).length;
  const p = S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } },
                              undefined, { signal: ac.signal, timeout: 15000 });
  await waitFor(async () => (await S.admin.requests()).slice(seen).some((q) => q.path.includes('conversations')),
                { timeout: 5000, what: 'the Graph request' });
  ac.abort('test');
  await assert.rejects(p);
  await S.client.ping();
  const r = await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } });
  assert.notEqual(r.isError, true);

  // Raw: notifications/cancelled ends the waiting POST at once with -32800
  // instead of leaving it suspended until the session ends.
  const sid = await rawSession(S.url);
  await S.admin.fault({ kind: 'delay', ms: 3000, count: 1 });
  const t0 = Date.now();
  const pending = raw(S.url, { headers: { 'Mcp-Session-Id': sid },
                               body: { jsonrpc: '2.0', id: 'slow', method: 'tools/call',
                                       params: { name: 'ig_list_conversations', arguments: { limit: 1 } } } });
  await new Promise((res) => setTimeout(res, 300));
  const n = await raw(S.url, { headers: { 'Mcp-Session-Id': sid },
                               body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow' } } });
  assert.equal(n.status, 202);
  const done = await pending;
  assert.ok(Date.now() - t0 < 2500, `answered at once (${Date.now() - t0} ms)`);
  assert.equal(JSON.parse(done.body).error.code, -32800);
  assert.equal(JSON.parse(done.body).id, 'slow');
});

test('50 concurrent sessions, each with a tool call', async () => {
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const c = await startSdkClient(S.url, {});
    const r = await c.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 + (i % 3) } },
                               undefined, { timeout: 20000 });
    const sid = c.transport.sessionId;
    await c.transport.terminateSession();
    await c.close();
    return { r, sid };
  }));
  assert.equal(new Set(results.map((x) => x.sid)).size, 50, 'every session has its own id');
  for (const { r } of results) assert.notEqual(r.isError, true);
  assert.ok(Date.now() - t0 < 20000);
});

/* Opens a raw GET stream and collects its text for until ms (or until
 * the promise until settles), then drops the connection without a
 * goodbye, as a vanished client would. */
function readGetStream(url, sid, until, headers = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let text = '';
    let status = 0;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'GET',
                               headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': sid, ...headers } }, (res) => {
      status = res.statusCode;
      res.on('data', (c) => { text += c.toString('utf8'); });
      res.on('error', () => {});
    });
    req.on('error', (e) => (status ? resolve({ status, text }) : reject(e)));
    const stop = () => { req.destroy(); resolve({ status, text }); };
    if (typeof until === 'number') setTimeout(stop, until);
    else until.then(stop);
    req.end();
  });
}

test('GET stream: keep-alive comments; a client that drops mid-stream is reaped', async () => {
  const s = await start({ connect: false, env: { IGMCP_HTTP_PING_MS: '150' } });
  const sid = await rawSession(s.url);
  const first = await readGetStream(s.url, sid, 700);
  assert.equal(first.status, 200);
  assert.match(first.text, /^: stream open\n\n/);
  assert.ok((first.text.match(/^: ping$/gm) || []).length >= 2, `pings: ${JSON.stringify(first.text)}`);
  // The dropped stream is noticed on a ping and freed (/healthz counts
  // it); a new GET works, and the session's log messages reach it with
  // event ids.
  await waitFor(async () => (await health(s.url)).streams === 0,
                { timeout: 5000, what: 'the dropped stream to be freed' });
  assert.equal((await health(s.url)).sessions, 1);
  const lvl = await raw(s.url, { headers: { 'Mcp-Session-Id': sid },
                                 body: { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'debug' } } });
  assert.equal(lvl.status, 200);
  const second = readGetStream(s.url, sid, 1200);
  await new Promise((r) => setTimeout(r, 300));
  const call = await raw(s.url, { headers: { 'Mcp-Session-Id': sid },
                                  body: { jsonrpc: '2.0', id: 2, method: 'tools/call',
                                          params: { name: 'ig_list_conversations', arguments: { limit: 1 } } } });
  assert.equal(call.status, 200);
  const { text } = await second;
  assert.match(text, /^id: \d+\nevent: message\ndata: \{.*"notifications\/message"/m);
  assert.deepEqual(await s.close(), { code: 0, signal: null });
  assert.doesNotMatch(s.stderr(), /AddressSanitizer|runtime error|LeakSanitizer/);
});

/* Opens a raw GET stream and holds it until close(), which drops the
 * connection and resolves {status, text}. */
function holdGetStream(url, sid) {
  let release;
  const until = new Promise((resolve) => { release = resolve; });
  const p = readGetStream(url, sid, until);
  return { close: () => { release(); return p; } };
}

/* /healthz as an object: {status, sessions, streams}. */
async function health(url) {
  const r = await raw(url, { method: 'GET', path: '/healthz' });
  assert.equal(r.status, 200);
  return JSON.parse(r.body);
}

/* The events of an SSE text that carry an id: [{id, msg}]. */
function sseEvents(text) {
  return text.split('\n\n').filter((e) => /^id: /m.test(e)).map((e) => {
    const lines = e.split('\n');
    return { id: Number(lines.find((l) => l.startsWith('id: ')).slice(4)),
             msg: JSON.parse(lines.find((l) => l.startsWith('data: ')).slice(6)) };
  });
}

/* A POST on a raw session; asserts 200 and returns the parsed answer. */
async function rawCall(url, sid, id, method, params) {
  const r = await raw(url, { headers: { 'Mcp-Session-Id': sid }, body: { jsonrpc: '2.0', id, method, params } });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body);
}

test('GET stream resumption: Last-Event-ID replays what was sent while disconnected', async () => {
  const s = await start({ connect: false, env: { IGMCP_HTTP_PING_MS: '100' } });
  const sid = await rawSession(s.url);
  await rawCall(s.url, sid, 1, 'logging/setLevel', { level: 'debug' });
  // Before any GET stream the session's log messages have nowhere to go
  // and nobody could resume: they are not numbered.
  await rawCall(s.url, sid, 2, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  const first = readGetStream(s.url, sid, 600);
  await sleep(200);
  await rawCall(s.url, sid, 3, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  const a = sseEvents((await first).text);
  assert.ok(a.length >= 2, `events on the first stream: ${JSON.stringify(a)}`);
  assert.deepEqual(a.map((e) => e.id), a.map((_, i) => i + 1), 'ids are 1, 2, 3...');
  // The client "lost" everything after its first event; then, while it
  // has no stream at all, another call logs more.
  const seen = a[0].id;
  await waitFor(async () => (await health(s.url)).streams === 0,
                { timeout: 5000, what: 'the dropped stream to be freed' });
  await rawCall(s.url, sid, 4, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 2 } });
  const second = await readGetStream(s.url, sid, 400, { 'Last-Event-ID': String(seen) });
  assert.equal(second.status, 200);
  // The replay comes first, right after the opening comment, in order and
  // without gaps: the rest of the first stream, then what was sent while
  // disconnected.
  assert.match(second.text, new RegExp(`^: stream open\\n\\nid: ${seen + 1}\\n`));
  const b = sseEvents(second.text);
  assert.deepEqual(b.map((e) => e.id), b.map((_, i) => seen + 1 + i));
  assert.deepEqual(b.slice(0, a.length - 1).map((e) => e.msg), a.slice(1).map((e) => e.msg));
  const offline = b.slice(a.length - 1);
  assert.ok(offline.length >= 1, 'messages sent while disconnected are replayed');
  assert.ok(offline.every((e) => e.msg.method === 'notifications/message'));
  assert.ok(offline.some((e) => /calling ig_list_conversations/.test(e.msg.params.data)), JSON.stringify(offline));
  // Resuming from the newest id replays nothing; new messages continue
  // the numbering.
  const last = b.at(-1).id;
  const third = readGetStream(s.url, sid, 500, { 'Last-Event-ID': String(last) });
  await sleep(200);
  await rawCall(s.url, sid, 5, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  const c = sseEvents((await third).text);
  assert.ok(c.length >= 1);
  assert.equal(c[0].id, last + 1);
  assert.deepEqual(await s.close(), { code: 0, signal: null });
  assert.doesNotMatch(s.stderr(), /AddressSanitizer|runtime error|LeakSanitizer/);
});

test('the SDK resumes its GET stream with Last-Event-ID and gets what it missed, once', async () => {
  const s = await start({ connect: false, env: { IGMCP_HTTP_PING_MS: '100' } });
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const gets = []; // the Last-Event-ID of every GET the SDK sends
  const spy = (url, init = {}) => {
    if (init.method === 'GET') gets.push(new Headers(init.headers).get('last-event-id'));
    return fetch(url, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(s.url), {
    fetch: spy,
    reconnectionOptions: { initialReconnectionDelay: 400, maxReconnectionDelay: 1000,
                           reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
  });
  const client = new Client({ name: 'igmcp-e2e-resume', version: '1.0.0' }, { capabilities: {} });
  await withTimeout(client.connect(transport), 15000, 'initialize');
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(String(n.params.data)));
  const calling = () => logs.filter((l) => /calling ig_list_conversations/.test(l)).length;
  await client.setLoggingLevel('debug');
  await waitFor(() => gets.length === 1, { what: 'the SDK to open its GET stream' });
  assert.equal(gets[0], null, 'the first GET has no Last-Event-ID');
  await client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } });
  await waitFor(() => calling() === 1, { what: 'the first call\'s log messages' });
  // A second GET for the session replaces the SDK's stream (one per
  // session), then vanishes; the SDK sees its stream end and reconnects
  // after its delay.  The call in between logs while the SDK has no
  // stream: those messages reach it only by replay.
  await readGetStream(s.url, transport.sessionId, 50);
  await client.callTool({ name: 'ig_list_conversations', arguments: { limit: 2 } });
  await waitFor(() => gets.length === 2 && calling() === 2, { timeout: 5000, what: 'the SDK to reconnect and catch up' });
  assert.match(gets[1], /^[1-9]\d*$/, 'the SDK resumed with the last id it saw');
  await sleep(300);
  assert.equal(calling(), 2, `each message exactly once: ${JSON.stringify(logs)}`);
  await client.close();
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('a Last-Event-ID this session never issued gets 400 and leaves the open stream alone', async () => {
  const s = await start({ connect: false, env: { IGMCP_HTTP_PING_MS: '100' } });
  const sid = await rawSession(s.url);
  await rawCall(s.url, sid, 1, 'logging/setLevel', { level: 'debug' });
  const open = holdGetStream(s.url, sid);
  await sleep(150);
  await rawCall(s.url, sid, 2, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  await sleep(100);
  for (const bad of ['999999', 'abc', '0', '01', '-1', '1.5', '99999999999999999999999']) {
    const r = await raw(s.url, { method: 'GET', headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': sid,
                                                          'Last-Event-ID': bad } });
    assert.equal(r.status, 400, `Last-Event-ID ${JSON.stringify(bad)}: ${r.status}`);
    const e = JSON.parse(r.body);
    assert.equal(e.error.code, -32600);
    assert.match(e.error.message, /Last-Event-ID/);
  }
  // The refused GETs did not replace the open stream: it still gets the
  // session's messages.
  const before = (await health(s.url)).streams;
  assert.equal(before, 1);
  await rawCall(s.url, sid, 3, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 2 } });
  await sleep(150);
  const ev = sseEvents((await open.close()).text);
  assert.ok(ev.some((e) => e.id > 3 && /calling/.test(e.msg.params.data)), JSON.stringify(ev));
  // An empty Last-Event-ID is no id at all: a fresh stream.
  const empty = await readGetStream(s.url, sid, 300, { 'Last-Event-ID': '' });
  assert.equal(empty.status, 200);
  assert.match(empty.text, /^: stream open\n\n/);
  assert.doesNotMatch(empty.text, /^id: /m, 'nothing replayed');
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('--max-sessions: a full table evicts the least recently used idle session, else 503', async () => {
  const s = await start({ connect: false, extraArgs: ['--max-sessions', '2'], env: { IGMCP_HTTP_PING_MS: '100' } });
  const ping = { jsonrpc: '2.0', id: 9, method: 'ping' };
  const a = await rawSession(s.url);
  const b = await rawSession(s.url);
  // a holds a GET stream, so it is not idle; b is idle.
  const streamA = holdGetStream(s.url, a);
  await waitFor(async () => (await health(s.url)).streams === 1, { what: 'the GET stream of a' });
  const c = await rawSession(s.url);
  assert.equal((await raw(s.url, { body: ping, headers: { 'Mcp-Session-Id': b } })).status, 404, 'b was evicted');
  assert.equal((await raw(s.url, { body: ping, headers: { 'Mcp-Session-Id': a } })).status, 200, 'a was kept');
  assert.match(s.stderr(), new RegExp(`session ${b.slice(0, 8)}\\.\\.\\. evicted`));
  // Now both sessions hold a stream: the next initialize is refused.
  const streamC = holdGetStream(s.url, c);
  await waitFor(async () => (await health(s.url)).streams === 2, { what: 'the GET stream of c' });
  const full = await raw(s.url, { body: INIT });
  assert.equal(full.status, 503);
  assert.equal(full.headers['retry-after'], '10');
  assert.equal(full.headers['mcp-session-id'], undefined);
  assert.equal(JSON.parse(full.body).error.code, -32603);
  assert.match(JSON.parse(full.body).error.message, /--max-sessions/);
  assert.deepEqual(await health(s.url), { status: 'ok', sessions: 2, streams: 2 });
  // Once the streams are gone, a session is evicted again to make room.
  await Promise.all([streamA.close(), streamC.close()]);
  await waitFor(async () => (await health(s.url)).streams === 0, { what: 'the streams to be freed' });
  const d = await rawSession(s.url);
  assert.equal((await raw(s.url, { body: ping, headers: { 'Mcp-Session-Id': d } })).status, 200);
  assert.equal((await health(s.url)).sessions, 2);
  assert.ok(!s.stderr().includes(a) && !s.stderr().includes(b), 'whole session ids never reach the log');
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('--max-sessions and --session-idle-timeout: checked, and only with --http', () => {
  const run = (args) => spawnSync(BIN, args, { env: childEnv(), encoding: 'utf8', timeout: 10000 });
  for (const [args, re] of [
    [['--max-sessions', '0'], /--max-sessions must be a number from 1 to 100000/],
    [['--max-sessions', 'many'], /--max-sessions must be a number/],
    [['--session-idle-timeout', '-1'], /--session-idle-timeout must be a number from 0/],
  ]) {
    const r = run(['serve', '--sandbox', '--http', '127.0.0.1:0', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  const r = run(['serve', '--sandbox', '--max-sessions', '5']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--max-sessions and --session-idle-timeout need --http/);
  assert.match(run(['--help']).stdout, /--max-sessions N[\s\S]*--session-idle-timeout S/);
});

test('--session-idle-timeout: idle sessions expire, one holding a GET stream does not', async () => {
  const s = await start({ connect: false, extraArgs: ['--session-idle-timeout', '1'],
                          env: { IGMCP_HTTP_PING_MS: '100' } });
  const ping = { jsonrpc: '2.0', id: 9, method: 'ping' };
  const idle = await rawSession(s.url);
  const held = await rawSession(s.url);
  const stream = holdGetStream(s.url, held);
  await waitFor(() => s.stderr().includes(`session ${idle.slice(0, 8)}... expired`),
                { timeout: 5000, what: 'the idle session to expire' });
  assert.equal((await raw(s.url, { body: ping, headers: { 'Mcp-Session-Id': idle } })).status, 404);
  // held's last request (its GET) is now well over a second old.
  await sleep(500);
  assert.ok(!s.stderr().includes(`${held.slice(0, 8)}... expired`));
  assert.equal((await raw(s.url, { body: ping, headers: { 'Mcp-Session-Id': held } })).status, 200,
               'a session with an open GET stream is not idle');
  assert.ok(!s.stderr().includes(`${held.slice(0, 8)}... expired`));
  // Once its stream is gone, the other one expires too.
  await stream.close();
  await waitFor(() => s.stderr().includes(`session ${held.slice(0, 8)}... expired`),
                { timeout: 5000, what: 'the second session to expire' });
  assert.equal((await raw(s.url, { body: ping, headers: { 'Mcp-Session-Id': held } })).status, 404);
  assert.deepEqual(await health(s.url), { status: 'ok', sessions: 0, streams: 0 });
  assert.ok(!s.stderr().includes(idle), 'whole session ids never reach the log');
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('SIGTERM with a GET stream and a slow call open: the call is answered, exit 0', async () => {
  const s = await start();
  // The SDK opens the GET stream after notifications/initialized.
  await s.client.setLoggingLevel('info');
  await s.admin.fault({ kind: 'delay', ms: 800, count: 1 });
  const call = s.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } },
                                 undefined, { timeout: 15000 });
  await waitFor(async () => (await s.admin.requests()).some((q) => q.path.includes('conversations')),
                { timeout: 5000, what: 'the Graph request' });
  s.proc.kill('SIGTERM');
  const r = await call;
  assert.notEqual(r.isError, true, 'a running call finishes during the drain');
  const exit = await withTimeout(s.exited, 15000, 'exit after SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  s.closed = true;
  await s.client.close().catch(() => {});
  assert.doesNotMatch(s.stderr(), /AddressSanitizer|runtime error|LeakSanitizer/);
});

test('the shared server exits 0 on SIGTERM', async () => {
  assert.deepEqual(await S.close(), { code: 0, signal: null });
  assert.doesNotMatch(S.stderr(), /AddressSanitizer|runtime error|LeakSanitizer/);
  assertNoSecrets(S.stderr(), sandboxSecrets(), 'stderr');
});
