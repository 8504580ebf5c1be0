// The 2026-07-28 revision ("modern era", mcp.md §6 and §7.3) beside the
// legacy one, over stdio and Streamable HTTP: server/discover, the
// per-request _meta envelope and its errors (-32602, -32022), the header
// checks (-32020), HTTP statuses (400, 404, 405), resultType and caching
// hints, logs only at the level a request asked for, subscriptions/listen
// with its acknowledgement, and cancellation by closing the stream (a
// publish waiting on a slow video stops, and nothing is published).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RawServer, startHttpServer, waitFor, sleep } from './lib.mjs';

const V = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': V,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1' },
};
let H; // an HTTP server
let nextId = 1000;

before(async () => {
  H = await startHttpServer({ connect: false, env: { IGMCP_HTTP_PING_MS: '100' } });
});

after(async () => {
  if (H && !H.closed) await H.close();
});

function headersFor(method, params, extra = {}) {
  const h = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': V,
    'Mcp-Method': method,
  };
  if (method === 'tools/call' && params?.name) h['Mcp-Name'] = params.name;
  const all = { ...h, ...extra };
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  return all;
}

/* Parses an SSE body into its JSON messages. */
function sseMessages(text) {
  return text.split(/\r?\n\r?\n/).flatMap((ev) => {
    const data = ev.split(/\r?\n/).filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart()).join('\n');
    return data ? [JSON.parse(data)] : [];
  });
}

/* One modern POST; returns {status, headers, messages, answer}. */
async function post(method, params, { headers = {}, id = nextId++, signal } = {}) {
  const res = await fetch(H.url, {
    method: 'POST',
    headers: headersFor(method, params, headers),
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    signal,
  });
  const text = await res.text();
  const ct = res.headers.get('content-type') || '';
  const messages = ct.includes('text/event-stream') ? sseMessages(text) : (text ? [JSON.parse(text)] : []);
  const answer = messages.find((m) => m.id === id && ('result' in m || 'error' in m));
  return { status: res.status, headers: res.headers, ct, messages, answer };
}

test('HTTP: server/discover, with no session and no handshake', async () => {
  const r = await post('server/discover', { _meta: META });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('mcp-session-id'), null, 'stateless: no session id');
  const res = r.answer.result;
  assert.equal(res.resultType, 'complete');
  assert.ok(res.supportedVersions.includes(V) && res.supportedVersions.includes('2025-11-25'));
  assert.ok(res.capabilities.tools, JSON.stringify(res.capabilities));
  assert.equal(res._meta['io.modelcontextprotocol/serverInfo'].name, 'igmcp');
  assert.ok(Number.isInteger(res.ttlMs) && res.ttlMs >= 0);
  assert.ok(['public', 'private'].includes(res.cacheScope));
  assert.match(res.instructions, /untrusted/i);
});

test('HTTP: the envelope and header errors carry the id and the right status', async () => {
  const noMeta = await post('server/discover', {}, { id: 7 });
  assert.equal(noMeta.status, 400);
  assert.equal(noMeta.answer.error.code, -32602);
  assert.match(noMeta.answer.error.message, /protocolVersion/);

  const noCaps = await post('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': V } }, { id: 8 });
  assert.equal(noCaps.status, 400);
  assert.equal(noCaps.answer.error.code, -32602);
  assert.match(noCaps.answer.error.message, /clientCapabilities/);

  const v999 = { ...META, 'io.modelcontextprotocol/protocolVersion': 'v999' };
  const unsupported = await post('server/discover', { _meta: v999 }, { headers: { 'MCP-Protocol-Version': 'v999' }, id: 9 });
  assert.equal(unsupported.status, 400);
  assert.equal(unsupported.answer.error.code, -32022);
  assert.equal(unsupported.answer.error.data.requested, 'v999');
  assert.ok(unsupported.answer.error.data.supported.includes(V));

  const versionMismatch = await post('server/discover', { _meta: v999 }, { id: 10 });
  assert.equal(versionMismatch.status, 400);
  assert.equal(versionMismatch.answer.error.code, -32020);

  const methodMismatch = await post('tools/list', { _meta: META }, { headers: { 'Mcp-Method': 'TOOLS/LIST' }, id: 11 });
  assert.equal(methodMismatch.status, 400);
  assert.equal(methodMismatch.answer.error.code, -32020);
  assert.equal(methodMismatch.answer.id, 11);

  const args = { name: 'ig_get_account', arguments: {}, _meta: META };
  const nameMismatch = await post('tools/call', args, { headers: { 'Mcp-Name': 'ig_send_message' } });
  assert.equal(nameMismatch.status, 400);
  assert.equal(nameMismatch.answer.error.code, -32020);
  const noName = await post('tools/call', args, { headers: { 'Mcp-Name': undefined } });
  assert.equal(noName.status, 400);

  for (const removed of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'no/such']) {
    const r = await post(removed, { _meta: META }, { id: 12 });
    assert.equal(r.status, 404, removed);
    assert.equal(r.answer.error.code, -32601, removed);
    assert.equal(r.answer.id, 12);
  }

  const get = await fetch(H.url, { headers: { Accept: 'text/event-stream', 'MCP-Protocol-Version': V } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  await get.text();
});

test('HTTP: a Base64 Mcp-Name is decoded; a broken one is refused', async () => {
  const args = { name: 'ig_get_account', arguments: {}, _meta: META };
  const b64 = `=?base64?${Buffer.from('ig_get_account').toString('base64')}?=`;
  const good = await post('tools/call', args, { headers: { 'Mcp-Name': `  ${b64} ` } });
  assert.equal(good.status, 200);
  assert.equal(good.answer.result.resultType, 'complete');
  const bad = await post('tools/call', args, { headers: { 'Mcp-Name': '=?base64?aWdfZ2V0X2FjY291bnQ?=' } });
  assert.equal(bad.status, 400, 'a quantum short of padding');
  assert.equal(bad.answer.error.code, -32020);
});

test('HTTP: tools/list carries caching hints; legacy results do not change', async () => {
  const r = await post('tools/list', { _meta: META });
  assert.equal(r.status, 200);
  const res = r.answer.result;
  assert.ok(res.tools.length > 10);
  assert.ok(Number.isInteger(res.ttlMs));
  assert.ok(['public', 'private'].includes(res.cacheScope));
  assert.equal(res.resultType, 'complete');
});

test('HTTP: a call logs only when its _meta asks, at that level', async () => {
  const call = (meta) => post('tools/call', { name: 'ig_get_account', arguments: {}, _meta: meta });
  const quiet = await call(META);
  assert.equal(quiet.answer.result.isError, undefined);
  assert.deepEqual(quiet.messages.filter((m) => m.method === 'notifications/message'), []);
  const loud = await call({ ...META, 'io.modelcontextprotocol/logLevel': 'debug' });
  const logs = loud.messages.filter((m) => m.method === 'notifications/message');
  assert.ok(logs.length > 0, 'debug logs of the call arrive on its own stream');
  assert.ok(logs.every((m) => m.params.level === 'debug' || m.params.level === 'info' ||
                             m.params.level === 'notice' || m.params.level === 'warning'));
  assert.equal(loud.messages.at(-1).id, loud.answer.id, 'the answer ends the stream');
  const bad = await call({ ...META, 'io.modelcontextprotocol/logLevel': 'loud' });
  assert.equal(bad.status, 400);
  assert.equal(bad.answer.error.code, -32602);
});

test('HTTP: subscriptions/listen acknowledges first, tagged with its id, and holds the stream', async () => {
  const ctl = new AbortController();
  const res = await fetch(H.url, {
    method: 'POST',
    headers: headersFor('subscriptions/listen', {}),
    body: JSON.stringify({ jsonrpc: '2.0', id: 'sub-1', method: 'subscriptions/listen',
                           params: { _meta: META, notifications: { toolsListChanged: true } } }),
    signal: ctl.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const reader = res.body.getReader();
  let text = '';
  const t0 = Date.now();
  while (!/data:/.test(text) || !/: ping/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
    assert.ok(Date.now() - t0 < 10000, 'stream stalls');
  }
  const [ack] = sseMessages(text.replace(/^: .*\n\n/gm, ''));
  assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
  assert.equal(ack.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-1');
  // The tool list never changes while the process runs: nothing agreed.
  assert.deepEqual(ack.params.notifications, {});
  assert.match(text, /: ping/, 'keep-alive comments hold the stream open');
  ctl.abort();
  const hz = await waitFor(async () => {
    const r = await fetch(H.url.replace('/mcp', '/healthz'));
    return r.status === 200 ? r : null;
  }, { what: '/healthz after the listener left' });
  assert.equal(hz.status, 200);
});

test('HTTP: closing the stream cancels the call: a slow publish never publishes', async () => {
  await H.admin.clearRequests();
  const ctl = new AbortController();
  const args = {
    name: 'ig_publish',
    arguments: { kind: 'reel', video_url: 'https://cdn.example.com/slow-cancel.mp4',
                 max_wait_seconds: 30, poll_interval_seconds: 1 },
    _meta: { ...META, progressToken: 'p1' },
  };
  const pending = post('tools/call', args, { signal: ctl.signal }).catch((e) => e);
  const polled = async () => (await H.admin.requests()).filter((q) => q.method === 'GET' && /status_code/.test(q.path + JSON.stringify(q.query || {}))).length;
  await waitFor(async () => (await H.admin.requests()).some((q) => q.method === 'POST' && q.path.endsWith('/media')),
                { timeout: 10000, what: 'the container to be created' });
  ctl.abort();
  const err = await pending;
  assert.equal(err.name, 'AbortError');
  await sleep(500); // a few keep-alives: the server notices the closed stream
  await H.admin.post('clock', { advance_seconds: 900 }); // the video would be ready now
  const n0 = await polled();
  await sleep(2500); // two poll intervals
  const log = await H.admin.requests();
  assert.equal(log.filter((q) => q.method === 'POST' && q.path.endsWith('/media_publish')).length, 0,
               'nothing published after the client closed the stream');
  assert.equal(await polled(), n0, 'the wait stopped polling');
});

test('stdio: discover, listen, cancel; legacy initialize still works on the same server', async () => {
  const s = new RawServer();
  try {
    const { msg: d } = await s.call(1, 'server/discover', { _meta: META });
    assert.equal(d.result.resultType, 'complete');
    assert.ok(d.result.supportedVersions.includes(V));
    const { msg: bad } = await s.call(2, 'server/discover', {
      _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } });
    assert.equal(bad.error.code, -32022);
    assert.equal(bad.error.data.requested, '2099-01-01');
    const since = s.messages.length;
    s.request(3, 'subscriptions/listen', { _meta: META, notifications: { toolsListChanged: true } });
    const { msg: ack } = await s.waitMessage((m) => m.method === 'notifications/subscriptions/acknowledged',
                                             5000, 'the acknowledgement', since);
    assert.equal(ack.params._meta['io.modelcontextprotocol/subscriptionId'], 3);
    s.notify('notifications/cancelled', { requestId: 3 });
    // The id is free again once cancelled: a new listen with it is acknowledged.
    const since2 = s.messages.length;
    s.request(3, 'subscriptions/listen', { _meta: META });
    await s.waitMessage((m) => m.method === 'notifications/subscriptions/acknowledged', 5000,
                        'a second acknowledgement', since2);
    const { msg: list } = await s.call(4, 'tools/list', { _meta: META });
    assert.ok(Number.isInteger(list.result.ttlMs));
    const init = await s.initialize('2025-11-25');
    assert.equal(init.result.protocolVersion, '2025-11-25');
    const { msg: legacy } = await s.call(5, 'tools/list', {});
    assert.equal(legacy.result.resultType, undefined, 'legacy results keep their shape');
    assert.equal(legacy.result.ttlMs, undefined);
    assert.ok(s.messages.every((m) => !('result' in m && m.id === 3)), 'a listener is never answered');
    assert.deepEqual(s.bad, []);
  } finally {
    s.kill();
  }
});

test('HTTP: SIGTERM with listen streams and a slow call open: exit 0, nothing leaked', async () => {
  const ctls = [];
  for (let i = 0; i < 3; i++) {
    const ctl = new AbortController();
    ctls.push(ctl);
    const res = await fetch(H.url, {
      method: 'POST',
      headers: headersFor('subscriptions/listen', {}),
      body: JSON.stringify({ jsonrpc: '2.0', id: `l${i}`, method: 'subscriptions/listen',
                             params: { _meta: META } }),
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
  }
  await H.admin.clearRequests();
  await H.admin.fault({ kind: 'delay', ms: 800, count: 1 });
  const slow = post('tools/call', { name: 'ig_get_account', arguments: {}, _meta: META });
  // The sandbox logs a request as it arrives; the delay holds its answer.
  await waitFor(async () => (await H.admin.requests()).length > 0, { what: 'the slow Graph request' });
  const exit = await H.close();
  assert.deepEqual(exit, { code: 0, signal: null });
  const r = await slow;
  assert.equal(r.answer?.result?.resultType, 'complete', 'the running call finished during the drain');
  for (const c of ctls) c.abort();
  assert.doesNotMatch(H.stderr(), /AddressSanitizer|runtime error|LeakSanitizer/);
});
