// SPDX-License-Identifier: MIT
//
// protocol.test.mjs: `igmcp serve --sandbox` over raw stdio, one line at a
// time, without any SDK in between: the lifecycle, JSON-RPC error codes,
// oversized and malformed input, notifications, cancellation, concurrency
// and the exit on EOF.  stdout must only ever carry JSON-RPC messages.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RawServer, SandboxAdmin, TOOL_NAMES, assertNoSecrets, sandboxSecrets, sleep, waitFor,
} from './lib.mjs';

const servers = [];
let R;        // the server most tests share
let admin;    // its sandbox's admin API

function spawnServer() {
  const s = new RawServer();
  servers.push(s);
  return s;
}

/* Sends raw data and returns the next message that is an answer (has
 * result or error) received after it. */
async function answerTo(s, data, what) {
  const since = s.messages.length;
  await s.send(data);
  const e = await s.waitMessage((m) => 'result' in m || 'error' in m, 10000, what, since);
  return e.msg;
}

function assertError(msg, code, id) {
  assert.equal(msg.jsonrpc, '2.0');
  assert.ok(msg.error, `expected an error, got ${JSON.stringify(msg).slice(0, 200)}`);
  assert.equal(msg.error.code, code, msg.error.message);
  assert.equal(typeof msg.error.message, 'string');
  assert.ok(msg.error.message.length > 0);
  assert.deepEqual(msg.id, id);
}

/* Waits until the sandbox has received a Graph request to path. */
async function sandboxSaw(adm, pathPart, since) {
  await waitFor(async () => (await adm.requests()).slice(since).some((q) => q.path.includes(pathPart)),
                { timeout: 10000, what: `a Graph request to ${pathPart}` });
}

after(() => {
  for (const s of servers) s.kill();
});

test('a request before initialize is refused; 2024-11-05 is echoed', async () => {
  const s = spawnServer();
  // Without initialize and without _meta it is a 2026-07-28 request
  // missing its envelope: -32602, naming initialize as the other way.
  const { msg: early } = await s.call(1, 'tools/list', {});
  assertError(early, -32602, 1);
  assert.match(early.error.message, /initialize/);
  const { msg: ping } = await s.call(2, 'ping');
  assert.deepEqual(ping.result, {}, 'ping is allowed before initialize');
  const init = await s.initialize('2024-11-05');
  assert.equal(init.result.protocolVersion, '2024-11-05');
  const { msg: again } = await s.call(3, 'initialize', {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' },
  });
  assertError(again, -32600, 3);
  const { msg: list } = await s.call(4, 'tools/list', {});
  assert.equal(list.result.tools.length, TOOL_NAMES.length);
  assert.deepEqual(s.bad, []);
});

test('EOF while a call is in flight: the call is still answered, then exit 0', async () => {
  const s = servers[0];
  const adm = new SandboxAdmin(await s.sandboxUrl());
  const seen = (await adm.requests()).length;
  await adm.fault({ kind: 'delay', ms: 1500, count: 1 });
  await s.request(5, 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  await sandboxSaw(adm, '/conversations', seen);
  const t0 = Date.now();
  s.proc.stdin.end();
  const res = await s.response(5, 10000);
  assert.ok(Array.isArray(res.result?.content), 'the in-flight call is answered');
  const { code, signal } = await s.close(5000);
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000, 'exit within 5 s of EOF');
  assert.deepEqual(s.bad, []);
});

test('an unknown protocol version is answered with 2025-11-25', async () => {
  R = spawnServer();
  admin = new SandboxAdmin(await R.sandboxUrl());
  const init = await R.initialize('1999-01-01');
  assert.equal(init.result.protocolVersion, '2025-11-25');
  assert.equal(init.result.serverInfo.name, 'igmcp');
});

test('invalid JSON: -32700 with id null', async () => {
  const m = await answerTo(R, '{"jsonrpc":"2.0","id":10,"method":"ping"', 'answer to broken JSON');
  assertError(m, -32700, null);
});

test('invalid UTF-8: -32700', async () => {
  const bytes = Buffer.concat([
    Buffer.from('{"jsonrpc":"2.0","id":11,"method":"ping","params":{"x":"'),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from('"}}'),
  ]);
  const m = await answerTo(R, bytes, 'answer to invalid UTF-8');
  assertError(m, -32700, null);
});

test('a 10 MB line: -32600, and the server keeps answering', async () => {
  const pad = 'a'.repeat(10 * 1024 * 1024);
  const m = await answerTo(R, `{"jsonrpc":"2.0","id":12,"method":"ping","params":{"pad":"${pad}"}}`,
                           'answer to a 10 MB line');
  assertError(m, -32600, null);
  const { msg, ms } = await R.call(13, 'ping');
  assert.deepEqual(msg.result, {});
  assert.ok(ms < 2000, `ping after the big line took ${ms} ms`);
});

test('a batch (JSON array): -32600', async () => {
  const m = await answerTo(R, '[{"jsonrpc":"2.0","id":14,"method":"ping"}]', 'answer to a batch');
  assertError(m, -32600, null);
});

test('an unknown method: -32601', async () => {
  const { msg } = await R.call(15, 'prompts/list', {});
  assertError(msg, -32601, 15);
  const { msg: m2 } = await R.call('s-16', 'no/such/method');
  assertError(m2, -32601, 's-16');
});

test('an unknown method or tool with a long non-ASCII name gets a well-formed error', async () => {
  // 'a' + 100 × 'é' is 201 bytes: a message that quotes the first 100
  // bytes must not cut the 50th 'é' in half.
  const name = `a${'é'.repeat(100)}`;
  const anyWithId = async (id) => (await R.waitMessage((m) => m.id === id, 10000, `id ${id}`)).msg;
  await R.request(40, name);
  assertError(await anyWithId(40), -32601, 40);
  await R.request(41, 'tools/call', { name, arguments: {} });
  assertError(await anyWithId(41), -32602, 41);
});

test('CRLF line endings and blank lines are tolerated', async () => {
  const since = R.messages.length;
  await R.send('');
  await R.send('   ');
  await R.send('{"jsonrpc":"2.0","id":42,"method":"ping"}\r');
  const m = await R.response(42);
  assert.deepEqual(m.result, {});
  assert.deepEqual(R.messages.slice(since).map((e) => e.msg), [m], 'blank lines get no answer');
});

test('tools/call with arguments as an array: -32602', async () => {
  const { msg } = await R.call(17, 'tools/call', { name: 'ig_list_conversations', arguments: [1, 2] });
  assertError(msg, -32602, 17);
  const { msg: m2 } = await R.call(18, 'tools/call', { name: 'ig_nope', arguments: {} });
  assertError(m2, -32602, 18);
});

test('an id of the wrong type (null): -32600', async () => {
  const m = await answerTo(R, '{"jsonrpc":"2.0","id":null,"method":"ping"}', 'answer to id null');
  assertError(m, -32600, null);
  const m2 = await answerTo(R, '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', 'answer to id 1.5');
  assert.equal(m2.error?.code, -32600);
});

test('notifications get no answer', async () => {
  const since = R.messages.length;
  await R.notify('notifications/initialized');
  await R.notify('notifications/something_unknown', { x: 1 });
  await R.notify('tools/list', {});
  await R.send('{"jsonrpc":"2.0","method":"notifications/cancelled","params":["not","an","object"]}');
  const { msg } = await R.call(19, 'ping');
  assert.deepEqual(msg.result, {});
  const after = R.messages.slice(since).map((e) => e.msg);
  assert.deepEqual(after, [msg], 'the ping answer is the only message');
});

test('a cancelled tools/call gets no response; ping is answered meanwhile', async () => {
  await admin.clearFaults();
  const seen = (await admin.requests()).length;
  await admin.fault({ kind: 'delay', ms: 3000, count: 1 });
  const t0 = Date.now();
  await R.request('cancel-me', 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  await sandboxSaw(admin, '/conversations', seen);
  await R.notify('notifications/cancelled', { requestId: 'cancel-me', reason: 'e2e' });
  const { msg, ms } = await R.call('after-cancel', 'ping');
  assert.deepEqual(msg.result, {});
  assert.ok(ms < 1000, `ping took ${ms} ms`);
  const { msg: call } = await R.call('after-cancel-call', 'tools/call',
                                     { name: 'ig_list_conversations', arguments: { limit: 1 } }, 15000);
  assert.equal(call.result?.isError, undefined, JSON.stringify(call).slice(0, 300));
  // The delayed Graph answer comes 3 s after the call; wait past it.
  const left = 4000 - (Date.now() - t0);
  if (left > 0) await sleep(left);
  assert.equal(R.messages.filter((e) => e.msg.id === 'cancel-me').length, 0,
               'no response for the cancelled request');
});

test('a slow call does not block ping nor another call', async () => {
  await admin.clearFaults();
  const seen = (await admin.requests()).length;
  await admin.fault({ kind: 'delay', ms: 2000, count: 1 });
  const t0 = Date.now();
  await R.request('slow', 'tools/call', { name: 'ig_list_conversations', arguments: { limit: 1 } });
  await sandboxSaw(admin, '/conversations', seen);
  const { msg: ping, ms } = await R.call('ping-while-slow', 'ping');
  assert.deepEqual(ping.result, {});
  assert.ok(ms < 500, `ping took ${ms} ms while a call was slow`);
  const fast = await R.call('fast', 'tools/call', { name: 'ig_get_conversation', arguments: {
    conversation_id: (await admin.conversations())[0].id, message_limit: 1 } });
  assert.equal(fast.msg.result?.isError, undefined, JSON.stringify(fast.msg).slice(0, 300));
  assert.ok(fast.ms < 1500, `the second call took ${fast.ms} ms`);
  const slow = await R.response('slow', 15000);
  assert.ok(Array.isArray(slow.result?.content));
  assert.ok(Date.now() - t0 >= 1900, 'the slow call really was slow');
  const idx = (id) => R.messages.findIndex((e) => e.msg.id === id);
  assert.ok(idx('fast') < idx('slow'), 'the fast call was answered first');
});

test('EOF on stdin: exit code 0 within 5 s; stdout held only JSON-RPC', async () => {
  const { code, signal } = await R.close(5000);
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.deepEqual(R.bad, [], 'every stdout line is one JSON object');
  for (const e of R.messages) assert.equal(e.msg.jsonrpc, '2.0');
  assert.ok(R.stdout().endsWith('\n'));
  const secrets = sandboxSecrets();
  for (const s of servers) {
    assertNoSecrets(s.stdout(), secrets, 'stdout');
    assertNoSecrets(s.stderrText, secrets, 'stderr');
  }
});

// A guard: the whole file must not hang on a stuck server.
setTimeout(() => {
  console.error('protocol.test.mjs: overall time limit reached');
  for (const s of servers) s.kill();
  process.exit(1);
}, 150000).unref();

