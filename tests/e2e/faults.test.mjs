// SPDX-License-Identifier: MIT
// Faults injected through the sandbox (README "Safety"), and what igmcp
// does with each: retries where they are safe, a clear refusal otherwise,
// in bounded time, and never a duplicate write.  Each case names the fault
// and the expected behaviour; the closing note of issue 8 lists them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { callRaw, startSdkServer, textOf, withTimeout } from './lib.mjs';

const sessions = [];
after(async () => { for (const s of sessions) await s.close().catch(() => {}); });

async function start(env = {}) {
  const s = await startSdkServer({ env: { IGMCP_GRAPH_TIMEOUT_MS: '1500', ...env } });
  sessions.push(s);
  const me = (await s.admin.get('state')).ig_user_id;
  const conv = (await s.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 5 } }))
    .structuredContent.conversations;
  const open = (await s.admin.conversations()).find((c) => c.window === 'open');
  s.user = open ? open.user_id : conv[0].participants.find((p) => p.id !== me).id;
  return s;
}

async function timed(p) {
  const t0 = Date.now();
  const r = await withTimeout(p, 60000, 'a call under a fault');
  return { r, ms: Date.now() - t0 };
}

const posts = async (s, part = 'messages') =>
  (await s.admin.requests()).filter((q) => q.method === 'POST' && q.path.includes(part));

test('throttling, each code: reported at once with the wait, later calls held without a request', async () => {
  for (const code of [4, 17, 32, 613, 80002]) {
    const s = await start();
    await s.admin.fault({ kind: 'throttle', code, count: 50, regain_minutes: code === 80002 ? 3 : 0 });
    await s.admin.clearRequests();
    const { r, ms } = await timed(callRaw(s.client, 'ig_get_account', {}));
    assert.equal(r.isError, true, `code ${code}`);
    assert.equal(r.structuredContent.error.graph.code, code);
    assert.ok(ms < 10000, `code ${code}: answered in ${ms} ms`);
    const sent = (await s.admin.requests()).length;
    assert.ok(sent >= 1 && sent <= 4, `code ${code}: ${sent} requests (reads retry at most 4 times)`);
    await s.admin.clearRequests();
    const { r: again, ms: ms2 } = await timed(callRaw(s.client, 'ig_list_media', { limit: 1 }));
    assert.equal(again.structuredContent.error.kind, 'rate_limited', `code ${code}: ${textOf(again)}`);
    assert.ok(again.structuredContent.error.retry_after_seconds > 0);
    assert.ok(ms2 < 500, `held calls answer at once (${ms2} ms)`);
    assert.equal((await s.admin.requests()).length, 0, `code ${code}: no request while held`);
    await s.close();
  }
});

test('5xx burst: a read retries through it; a send is not retried and not duplicated', async () => {
  const s = await start();
  await s.admin.fault({ kind: 'http_error', status: 503, count: 2, method: 'GET' });
  const { r, ms } = await timed(s.client.callTool({ name: 'ig_get_account', arguments: {} }));
  assert.notEqual(r.isError, true, textOf(r));
  assert.ok(ms < 10000, `${ms} ms`);
  await s.admin.fault({ kind: 'http_error', status: 500, count: 10, method: 'GET' });
  const { r: r2, ms: ms2 } = await timed(callRaw(s.client, 'ig_list_media', { limit: 1 }));
  assert.equal(r2.isError, true);
  assert.match(textOf(r2), /temporary problem|try again/i);
  assert.ok(ms2 < 15000, `gives up in bounded time (${ms2} ms)`);
  await s.admin.clearFaults();
  await s.admin.clearRequests();
  await s.admin.fault({ kind: 'http_error', status: 500, count: 1, method: 'POST' });
  const send = await callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'under a 500' });
  assert.equal(send.isError, true);
  assert.equal((await posts(s)).length, 1, 'one attempt, no retry of a write');
});

test('connection reset after a send went through: error, and the repeat is refused (no duplicate)', async () => {
  const s = await start();
  await s.admin.clearRequests();
  await s.admin.fault({ kind: 'body', mode: 'reset', count: 1, method: 'POST', path: 'messages' });
  const first = await callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'reset me' });
  assert.equal(first.isError, true);
  assert.equal(first.structuredContent.error.kind, 'network_error', textOf(first));
  const again = await callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'reset me' });
  assert.equal(again.structuredContent.error.kind, 'outcome_unknown', textOf(again));
  assert.equal((await posts(s)).length, 1, 'Meta saw the send once');
  /* A new key says "send it anyway". */
  const forced = await s.client.callTool({ name: 'ig_send_message',
    arguments: { recipient_id: s.user, text: 'reset me', idempotency_key: 'on-purpose' } });
  assert.notEqual(forced.isError, true, textOf(forced));
  assert.equal((await posts(s)).length, 2);
  /* A reset on a read is retried. */
  await s.admin.fault({ kind: 'body', mode: 'reset', count: 1, method: 'GET' });
  const read = await s.client.callTool({ name: 'ig_get_account', arguments: {} });
  assert.notEqual(read.isError, true, textOf(read));
});

test('timeout: a slow answer stops at the configured time; a timed-out send is not repeated blindly', async () => {
  const s = await start();
  await s.admin.fault({ kind: 'delay', ms: 5000, count: 1, method: 'POST', path: 'messages' });
  await s.admin.clearRequests();
  const { r, ms } = await timed(callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'slow' }));
  assert.equal(r.structuredContent.error.kind, 'timeout', textOf(r));
  assert.ok(ms >= 1400 && ms < 4500, `stopped at the 1.5 s timeout (${ms} ms)`);
  const again = await callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'slow' });
  assert.equal(again.structuredContent.error.kind, 'outcome_unknown');
  assert.equal((await posts(s)).length, 1);
  /* Slow reads: each attempt times out, bounded overall. */
  await s.admin.fault({ kind: 'delay', ms: 3000, count: 10, method: 'GET' });
  const { r: slow, ms: ms2 } = await timed(callRaw(s.client, 'ig_list_media', { limit: 1 }));
  assert.equal(slow.isError, true);
  assert.ok(ms2 < 20000, `read gave up in ${ms2} ms`);
  await s.admin.clearFaults();
});

test('malformed answers: HTML, truncated JSON, 9 MiB, wrong types: clear errors, no crash', async () => {
  const s = await start();
  for (const mode of ['not_json', 'truncated', 'huge', 'wrong_type']) {
    await s.admin.fault({ kind: 'body', mode, count: 4, method: 'GET' });
    const { r, ms } = await timed(callRaw(s.client, 'ig_list_media', { limit: 2 }));
    assert.ok(ms < 20000, `${mode}: ${ms} ms`);
    if (mode === 'wrong_type') {
      /* Either a clean error or a result without the bad fields. */
      assert.ok(r.isError === true || Array.isArray(r.structuredContent.media), `${mode}: ${textOf(r).slice(0, 200)}`);
    } else {
      assert.equal(r.isError, true, mode);
      assert.match(textOf(r), /JSON|large|answer/i, `${mode}: ${textOf(r).slice(0, 200)}`);
    }
    await s.admin.clearFaults();
    /* The server is fine afterwards. */
    const ok = await s.client.callTool({ name: 'ig_get_account', arguments: {} });
    assert.notEqual(ok.isError, true, `${mode}: after the fault`);
  }
  /* A write whose answer is not JSON may have happened: no blind repeat. */
  await s.admin.clearRequests();
  await s.admin.fault({ kind: 'body', mode: 'not_json', count: 1, method: 'POST', path: 'messages' });
  const w = await callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'html answer' });
  assert.equal(w.isError, true);
  const w2 = await callRaw(s.client, 'ig_send_message', { recipient_id: s.user, text: 'html answer' });
  assert.equal(w2.structuredContent.error.kind, 'outcome_unknown', textOf(w2));
  assert.equal((await posts(s)).length, 1);
});

test('expired token mid-session: every call says so and what to do, nothing crashes', async () => {
  const s = await start();
  await s.client.callTool({ name: 'ig_get_account', arguments: {} });
  await s.admin.fault({ kind: 'expire_token', token: 'ig' });
  for (const [name, args] of [['ig_get_account', {}], ['ig_list_media', { limit: 1 }],
                              ['ig_send_message', { recipient_id: s.user, text: 'x' }]]) {
    const r = await callRaw(s.client, name, args);
    assert.equal(r.isError, true, name);
    assert.equal(r.structuredContent.error.graph.code, 190, name);
    assert.match(textOf(r), /expired|log in|token/i, name);
  }
  const st = await s.client.callTool({ name: 'ig_token_status', arguments: {} });
  assert.equal(st.structuredContent.valid, false);
});

test('ig_publish resumes from the container it already created; a repeat never publishes twice', async () => {
  const s = await start({ IGMCP_GRAPH_TIMEOUT_MS: '10000' });
  const args = { kind: 'reel', video_url: 'https://cdn.example.com/sandbox/clip.mp4', caption: 'resume me',
                 max_wait_seconds: 1, poll_interval_seconds: 1 };
  await s.admin.clearRequests();
  const first = await callRaw(s.client, 'ig_publish', args);
  assert.equal(first.isError, true, 'the video is still processing after 1 s');
  assert.match(textOf(first), /still IN_PROGRESS/);
  const created = (await posts(s, '/media')).filter((q) => !q.path.includes('media_publish'));
  assert.equal(created.length, 1, 'one container created');
  /* The video finishes; the agent calls again with the same arguments. */
  await s.admin.post('clock', { advance_seconds: 120 });
  await s.admin.clearRequests();
  const second = await s.client.callTool({ name: 'ig_publish', arguments: args });
  assert.notEqual(second.isError, true, textOf(second));
  assert.equal(second.structuredContent.status_code, 'PUBLISHED');
  const reqs = await posts(s, '/media');
  assert.equal(reqs.filter((q) => !q.path.includes('media_publish')).length, 0, 'no new container');
  assert.equal(reqs.filter((q) => q.path.includes('media_publish')).length, 1, 'published once');
  /* Called yet again: answered from the first success, nothing sent. */
  await s.admin.clearRequests();
  const third = await s.client.callTool({ name: 'ig_publish', arguments: args });
  assert.notEqual(third.isError, true);
  assert.equal((await posts(s, 'media_publish')).length, 0);
});
