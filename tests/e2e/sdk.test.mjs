// SPDX-License-Identifier: MIT
//
// sdk.test.mjs: the official MCP TypeScript SDK client drives
// `igmcp serve --sandbox` over stdio: handshake, catalog, every tool with
// good and bad inputs, the messaging windows, both logins, logging,
// progress, cancellation, throttling and retries, and that no credential
// ever appears in the server's output.
//
// Tool calls expected to succeed go through client.callTool, which checks
// structuredContent against the tool's outputSchema.  Calls expected to
// fail go through callRaw (a plain tools/call request), because SDK 1.32.2
// applies that check to isError results too (typescript-sdk issue #1943)
// and would hide the error behind its own -32602.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { McpError, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  MESSAGING_TOOLS, TOOL_NAMES, assertNoSecrets, callRaw, sandboxSecrets, startSdkServer, textOf,
  waitFor, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const sessions = [];
let S;            // the main session (Instagram Login)
let ME;           // our account's id, as the sandbox reports it
let inboxIds;     // conversation ids of the inbox, from the tool
let big;          // {id, user_id, messages: [...]} the biggest conversation

async function start(opts) {
  const s = await startSdkServer(opts);
  sessions.push(s);
  return s;
}

/* A tool call that must succeed; returns structuredContent after checking
 * that the text content is the same JSON. */
async function ok(s, name, args, options) {
  const r = await withTimeout(s.client.callTool({ name, arguments: args }, undefined, options),
                              30000, `${name} ${JSON.stringify(args)}`);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  assert.equal(typeof r.structuredContent, 'object');
  assert.equal(r.content[0].type, 'text');
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent,
                   `${name}: content[0].text is not the structuredContent`);
  return r.structuredContent;
}

/* A tool call that must come back as a tool error (isError). */
async function fails(s, name, args) {
  const r = await withTimeout(callRaw(s.client, name, args), 30000, `${name} (expected to fail)`);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail, got ${textOf(r).slice(0, 300)}`);
  assert.ok(textOf(r).length > 0, 'an error result explains itself in content[0].text');
  return r;
}

/* The sandbox's view of every conversation, keyed by id. */
async function sandboxConvs(s) {
  return new Map((await s.admin.conversations()).map((c) => [c.id, c]));
}

before(async () => {
  S = await start();
  const state = await S.admin.get('state');
  ME = state.ig_user_id;
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
});

test('initialize: name, protocol, capabilities, instructions', () => {
  assert.equal(S.protocolVersion, '2025-11-25');
  const info = S.client.getServerVersion();
  assert.equal(info.name, 'igmcp');
  assert.equal(typeof info.version, 'string');
  const caps = S.client.getServerCapabilities();
  assert.ok(caps.tools, 'tools capability');
  assert.ok(caps.logging, 'logging capability');
  const instr = S.client.getInstructions();
  assert.equal(typeof instr, 'string');
  assert.ok(instr.length > 20, 'instructions say something');
});

test('tools/list: every tool, with descriptions, schemas and annotations', async () => {
  const { tools, nextCursor } = await withTimeout(S.client.listTools(), 10000, 'tools/list');
  assert.equal(nextCursor, undefined);
  assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOL_NAMES].sort());
  for (const t of tools) {
    assert.ok(typeof t.description === 'string' && t.description.length > 20, `${t.name} description`);
    assert.equal(t.inputSchema.type, 'object', `${t.name} inputSchema`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name} outputSchema`);
    assert.ok(t.annotations, `${t.name} annotations`);
    assert.equal(typeof t.annotations.readOnlyHint, 'boolean', `${t.name} readOnlyHint`);
    if (t.annotations.readOnlyHint)
      assert.notEqual(t.annotations.destructiveHint, true, `${t.name} destructiveHint`);
    else
      assert.equal(typeof t.annotations.destructiveHint, 'boolean', `${t.name} destructiveHint explicit`);
  }
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const name of MESSAGING_TOOLS) {
    const write = name === 'ig_send_message';
    assert.equal(byName[name].annotations.readOnlyHint, !write, `${name} readOnlyHint`);
  }
});

test('ig_list_conversations: limit, paging with after, usernames, has_more, rate_limit when detailed', async () => {
  const first = await ok(S, 'ig_list_conversations', { limit: 3 });
  assert.equal(first.conversations.length, 3);
  assert.equal(first.count, 3);
  assert.equal(typeof first.next_cursor, 'string');
  assert.equal(first.has_more, true, 'a list says when more follows');
  assert.equal(first.rate_limit, undefined, 'concise results leave out a low rate-limit usage');
  const detailed = await ok(S, 'ig_list_conversations', { limit: 3, response_format: 'detailed' });
  assert.equal(typeof detailed.rate_limit, 'object', 'a detailed result carries rate_limit');
  assert.ok(Object.keys(detailed.rate_limit).length > 0, 'rate_limit is not empty');

  const seen = [];
  let after;
  for (let page = 0; page < 20; page++) {
    const r = await ok(S, 'ig_list_conversations', after ? { limit: 3, after } : { limit: 3 });
    assert.ok(r.conversations.length <= 3);
    for (const c of r.conversations) {
      seen.push(c.id);
      assert.equal(c.participants.length, 2, 'a DM has two participants');
      for (const p of c.participants) {
        assert.ok(typeof p.username === 'string' && p.username.length > 0, 'participants have usernames');
      }
      assert.ok(c.participants.some((p) => p.id === ME), 'our account takes part');
      assert.ok(c.last_message?.id, 'last message present');
    }
    if (!r.next_cursor) break;
    after = r.next_cursor;
  }
  assert.equal(new Set(seen).size, seen.length, 'no conversation appears twice');
  assert.ok(seen.length >= 12, `at least 12 conversations in the inbox, got ${seen.length}`);
  const sb = await sandboxConvs(S);
  const sbInbox = [...sb.values()].filter((c) => c.folder === 'inbox').map((c) => c.id);
  assert.deepEqual([...seen].sort(), sbInbox.sort(), 'the walk returned the whole inbox');
  inboxIds = seen;
});

test('ig_list_conversations: user_id finds exactly that conversation', async () => {
  const page = await ok(S, 'ig_list_conversations', { limit: 10 });
  const conv = page.conversations[4];
  const them = conv.participants.find((p) => p.id !== ME);
  const r = await ok(S, 'ig_list_conversations', { user_id: them.id });
  assert.equal(r.conversations.length, 1);
  assert.equal(r.conversations[0].id, conv.id);
  assert.ok(r.conversations[0].participants.some((p) => p.id === them.id));
});

test('ig_list_conversations: folder "other" lists message requests', async () => {
  const r = await ok(S, 'ig_list_conversations', { folder: 'other' });
  const sb = await sandboxConvs(S);
  const want = [...sb.values()].filter((c) => c.folder === 'other').map((c) => c.id).sort();
  assert.ok(want.length > 0, 'the sandbox has requests');
  assert.deepEqual(r.conversations.map((c) => c.id).sort(), want);
  for (const c of r.conversations) assert.ok(!inboxIds.includes(c.id), 'a request is not in the inbox');
});

test('ig_get_conversation: participants and the 3 most recent messages', async () => {
  const id = inboxIds[0];
  const r = await ok(S, 'ig_get_conversation', { conversation_id: id, message_limit: 3 });
  assert.equal(r.id, id);
  assert.equal(r.participants.length, 2);
  assert.equal(r.messages.length, 3);
  const times = r.messages.map((m) => Date.parse(m.created_time.replace(/\+0000$/, 'Z')));
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], 'newest first');
  for (const m of r.messages) assert.equal(m.details_available, true);
  const sb = await sandboxConvs(S);
  if (sb.get(id).messages > 3) assert.equal(r.has_more_messages, true);
});

test('ig_list_messages: the biggest conversation, paged, with the 20-message rule', async () => {
  let best = null;
  for (const id of inboxIds) {
    let n = 0;
    let after;
    do {
      const r = await ok(S, 'ig_list_messages', after ? { conversation_id: id, limit: 100, after }
                                                      : { conversation_id: id, limit: 100 });
      n += r.count;
      after = r.next_cursor;
    } while (after);
    if (!best || n > best.n) best = { id, n };
  }
  const msgs = [];
  let after;
  let pages = 0;
  do {
    const r = await ok(S, 'ig_list_messages', after ? { conversation_id: best.id, limit: 25, after }
                                                    : { conversation_id: best.id, limit: 25 });
    pages++;
    assert.equal(r.conversation_id, best.id);
    assert.equal(r.count, r.messages.length);
    assert.ok(r.messages.length <= 25);
    const offset = msgs.length;
    msgs.push(...r.messages);
    if (r.messages.some((m, i) => offset + i >= 20)) {
      assert.match(r.note ?? '', /20/, 'a page with messages past the 20 most recent carries the note');
    }
    after = r.next_cursor;
  } while (after && pages < 20);
  assert.ok(msgs.length > 40, `more than 40 messages, got ${msgs.length}`);
  assert.equal(msgs.length, best.n);
  assert.equal(new Set(msgs.map((m) => m.id)).size, msgs.length, 'no message appears twice');
  msgs.forEach((m, i) => {
    assert.equal(typeof m.created_time, 'string');
    if (i < 20) {
      assert.equal(m.details_available, true, `message ${i} is among the 20 most recent`);
      assert.ok(m.from?.id, `message ${i} has a sender`);
    } else {
      assert.equal(m.details_available, false, `message ${i} is older than the 20 most recent`);
      assert.equal(m.text, undefined);
      assert.equal(m.from, undefined);
    }
  });
  const sb = await sandboxConvs(S);
  big = { id: best.id, user_id: sb.get(best.id).user_id, messages: msgs };
});

test('ig_get_message: a recent message, and one older than the 20 most recent', async () => {
  const recent = big.messages.slice(0, 20).find((m) => typeof m.text === 'string' && m.text.length > 0);
  assert.ok(recent, 'a recent message with text');
  const r = await ok(S, 'ig_get_message', { message_id: recent.id });
  assert.equal(r.id, recent.id);
  assert.equal(r.text, recent.text);
  assert.equal(r.from.id, recent.from.id);
  assert.ok(r.from.username);
  assert.equal(r.details_available, true);

  const old = big.messages[25];
  const e = await fails(S, 'ig_get_message', { message_id: old.id });
  assert.match(textOf(e), /20 most recent/);
  assert.equal(e.structuredContent.error.kind, 'graph_error');
  assert.equal(e.structuredContent.error.graph.code, 100);
});

test('bad inputs: tool errors that name the field and the rule, and no Graph call', async () => {
  const rid = big.user_id;
  const euro = '€'.repeat(334);
  assert.equal(euro.length, 334);
  assert.equal(Buffer.byteLength(euro, 'utf8'), 1002);
  const cases = [
    ['ig_send_message', { text: 'hi' }, [/recipient_id/, /required/]],
    ['ig_send_message', { recipient_id: rid, text: euro }, [/\btext\b/, /1000 bytes/]],
    ['ig_send_message', { recipient_id: rid, text: 'hi', colour: 'blue' }, [/colour/, /unknown property|not allowed|additional/i]],
    ['ig_list_conversations', { limit: '5' }, [/limit/, /integer/]],
    ['ig_list_conversations', { limit: 500 }, [/limit/, /100/]],
    ['ig_list_messages', { conversation_id: '../x' }, [/conversation_id/, /pattern/]],
    ['ig_send_message', { recipient_id: 'maya.ceramics', text: 'hi' }, [/recipient_id/, /pattern|IGSID/]],
  ];
  await S.admin.clearRequests();
  for (const [name, args, res] of cases) {
    const r = await fails(S, name, args);
    for (const re of res) assert.match(textOf(r), re, `${name} ${JSON.stringify(args).slice(0, 60)}`);
    assert.equal(r.structuredContent?.error?.kind, 'invalid_argument');
  }
  assert.deepEqual(await S.admin.requests(), [], 'invalid arguments never reach the Graph API');

  await assert.rejects(
    withTimeout(S.client.callTool({ name: 'ig_no_such_tool', arguments: {} }), 10000, 'unknown tool'),
    (e) => e instanceof McpError && e.code === -32602);

  // The SDK client validates structuredContent against the outputSchema
  // even for isError results: the error shape must pass that check, so the
  // explanation reaches the agent instead of a schema-mismatch McpError.
  const viaSdk = await withTimeout(
    S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 500 } }),
    10000, 'callTool error');
  assert.equal(viaSdk.isError, true);
  assert.match(textOf(viaSdk), /limit/);
  assert.equal(viaSdk.structuredContent.error.kind, 'invalid_argument');
});

test('ig_send_message: open window, then reply_to', async () => {
  const inbound = await S.admin.inbound({ user_id: big.user_id, text: 'e2e: are you open today?' });
  const text = `e2e reply ${Date.now()} ✓`;
  const sent = await ok(S, 'ig_send_message', { recipient_id: big.user_id, text });
  assert.equal(sent.recipient_id, big.user_id);
  assert.ok(typeof sent.message_id === 'string' && sent.message_id.length > 0);

  const list = await ok(S, 'ig_list_messages', { conversation_id: big.id, limit: 3 });
  assert.equal(list.messages[0].id, sent.message_id);
  assert.equal(list.messages[0].text, text);
  assert.equal(list.messages[0].from.id, ME);
  assert.equal(list.messages[1].id, inbound.message_id);

  const quoted = await ok(S, 'ig_send_message', {
    recipient_id: big.user_id, text: 'e2e: quoting you', reply_to: inbound.message_id,
  });
  const m = await ok(S, 'ig_get_message', { message_id: quoted.message_id });
  assert.equal(m.reply_to?.mid, inbound.message_id);
  assert.equal(m.to?.[0]?.id, big.user_id);
});

test('ig_send_message: closed window (last inbound over 7 days ago)', async () => {
  const { now } = await S.admin.get('state');
  const conv = (await S.admin.conversations())
    .find((c) => c.window === 'closed' && c.last_inbound > 0 && c.folder === 'inbox');
  assert.ok(conv, 'the sandbox has a closed conversation');
  assert.ok(now - conv.last_inbound > 7 * 86400);
  const r = await fails(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'hello again' });
  const g = r.structuredContent.error.graph;
  assert.equal(g.code, 10);
  assert.equal(g.subcode, 2534022);
  assert.match(textOf(r), /24 hours/);
  assert.match(textOf(r), /write first|writes again|HUMAN_AGENT/);
  const tagged = await fails(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'hello', tag: 'HUMAN_AGENT' });
  assert.equal(tagged.structuredContent.error.graph.code, 10, 'not even a human agent after 7 days');
});

test('ig_send_message: between 24 h and 7 days only with HUMAN_AGENT', async () => {
  const conv = (await S.admin.conversations()).find((c) => c.window === 'human_agent' && c.folder === 'inbox');
  assert.ok(conv, 'the sandbox has a conversation in the human-agent window');
  const r = await fails(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'sorry for the wait' });
  assert.equal(r.structuredContent.error.graph.code, 10);
  assert.match(textOf(r), /HUMAN_AGENT/);
  const sent = await ok(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'sorry for the wait', tag: 'HUMAN_AGENT' });
  assert.equal(sent.recipient_id, conv.user_id);
});

test('ig_send_message: the window closes when the sandbox clock moves 25 h', async () => {
  const convs = await S.admin.conversations();
  const conv = convs.find((c) => c.window === 'open' && c.folder === 'inbox' && c.id !== big.id);
  await S.admin.inbound({ user_id: conv.user_id, text: 'e2e: ping' });
  await ok(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'pong' });
  await S.admin.post('clock', { advance_seconds: 90000 });
  try {
    const now = (await S.admin.conversations()).find((c) => c.id === conv.id);
    assert.equal(now.window, 'human_agent');
    const r = await fails(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'late' });
    assert.equal(r.structuredContent.error.graph.code, 10);
    await ok(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'late, by a person', tag: 'HUMAN_AGENT' });
  } finally {
    await S.admin.post('clock', { advance_seconds: -90000 });
  }
});

test('logging: setLevel debug, then a call sends notifications/message', async () => {
  const logs = [];
  S.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  await withTimeout(S.client.setLoggingLevel('debug'), 10000, 'logging/setLevel');
  await ok(S, 'ig_list_conversations', { limit: 1 });
  await waitFor(() => logs.length > 0, { timeout: 5000, what: 'a notifications/message' });
  for (const l of logs) {
    assert.ok(['debug', 'info', 'notice', 'warning', 'error'].includes(l.level));
    assert.ok(l.data !== undefined);
  }
  // Debug logging stays on for the rest of the run, so the secrets check
  // at the end also covers everything the server logs.
});

test('progress: onprogress receives increasing progress', async () => {
  // SDK 1.32.2 runs notification handlers a microtask late but drops the
  // progress handler as soon as the response arrives: a notification that
  // shares a stdout chunk with its response is lost on the client side.
  // A 300 ms delay on the Graph call keeps the two apart.
  await S.admin.fault({ kind: 'delay', ms: 300, count: 1 });
  const seen = [];
  await ok(S, 'ig_list_conversations', { limit: 2 }, { onprogress: (p) => seen.push(p) });
  assert.ok(seen.length >= 1, 'at least one notifications/progress');
  let last = 0;
  for (const p of seen) {
    assert.equal(typeof p.progress, 'number');
    assert.ok(p.progress > last, `progress increases (${last} -> ${p.progress})`);
    last = p.progress;
  }
});

test('cancellation: an aborted call rejects, ping and later calls still work', async () => {
  await S.admin.fault({ kind: 'delay', ms: 3000, count: 1 });
  const ac = new AbortController();
  const t0 = Date.now();
  const p = S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } }, undefined,
                              { signal: ac.signal });
  setTimeout(() => ac.abort('e2e cancels'), 200);
  await assert.rejects(withTimeout(p, 5000, 'the aborted call'));
  assert.ok(Date.now() - t0 < 2000, 'the aborted call rejects at once');
  const t1 = Date.now();
  await withTimeout(S.client.ping(), 1000, 'ping after cancel');
  assert.ok(Date.now() - t1 < 1000);
  const r = await ok(S, 'ig_list_conversations', { limit: 1 });
  assert.equal(r.conversations.length, 1);
  await S.admin.clearFaults();
});

test('throttling: code 80002 is reported at once with the time access returns, then held', async () => {
  /* Its own server: the governor's hold lasts the process's life. */
  const T = await start();
  await T.admin.fault({ kind: 'throttle', code: 80002, count: 5, regain_minutes: 2 });
  const t0 = Date.now();
  const r = await fails(T, 'ig_list_conversations', { limit: 1 });
  assert.ok(Date.now() - t0 < 3000, 'no waiting on a throttle whose end Meta announced');
  const e = r.structuredContent.error;
  assert.equal(e.graph.code, 80002);
  assert.ok(e.retry_after_seconds >= 110 && e.retry_after_seconds <= 130,
            `retry_after_seconds ≈ 120, got ${e.retry_after_seconds}`);
  assert.match(textOf(r), /2 minutes/);
  /* The agent retries at once: answered locally, Meta not called again
   * (the fault had 4 throttles left to give). */
  await T.admin.clearRequests();
  const again = await fails(T, 'ig_get_account', {});
  const h = again.structuredContent.error;
  assert.equal(h.kind, 'rate_limited');
  assert.equal(h.held_locally, true);
  assert.equal(h.graph.code, 80002);
  assert.ok(h.retry_after_seconds > 100 && h.retry_after_seconds <= 120, `${h.retry_after_seconds}`);
  assert.match(textOf(again), /Not sent: Meta throttled this account \(code 80002\)/);
  assert.equal((await T.admin.requests()).length, 0, 'no Graph request while held');
  const st = (await T.client.callTool({ name: 'ig_rate_limit_status', arguments: {} })).structuredContent;
  assert.equal(st.state, 'held');
  assert.equal(st.hold.code, 80002);
  assert.equal(st.hold.announced_by_meta, true);
  assert.equal(st.held_calls, 1);
  assert.equal(st.throttled_answers, 1);
  assert.equal(st.usage_percent, 100);
});

test('rate-limit governor: usage near 100 % slows calls down, and ig_rate_limit_status says so', async () => {
  const T = await start();
  let st = (await T.client.callTool({ name: 'ig_rate_limit_status', arguments: {} })).structuredContent;
  assert.equal(st.state, 'ok');
  assert.equal(st.calls, 0);
  await T.admin.fault({ kind: 'usage', percent: 97 });
  await ok(T, 'ig_get_account', {});          /* learns the usage */
  st = (await T.client.callTool({ name: 'ig_rate_limit_status', arguments: {} })).structuredContent;
  assert.equal(st.state, 'slowing');
  assert.equal(st.usage_percent, 97);
  assert.ok(st.pause_ms_per_call >= 700 && st.pause_ms_per_call <= 1000, `${st.pause_ms_per_call}`);
  const t0 = Date.now();
  await ok(T, 'ig_get_account', {});
  assert.ok(Date.now() - t0 >= st.pause_ms_per_call - 50, 'the call waited');
  await T.admin.clearFaults();
  await ok(T, 'ig_get_account', {});          /* usage back to low */
  st = (await T.client.callTool({ name: 'ig_rate_limit_status', arguments: {} })).structuredContent;
  assert.equal(st.state, 'ok');
  assert.equal(st.slowed_calls, 2);
  const t1 = Date.now();
  await ok(T, 'ig_get_account', {});
  assert.ok(Date.now() - t1 < 700, 'no pause at low usage');
});

test('a 5xx on a read is retried transparently', async () => {
  await S.admin.clearRequests();
  await S.admin.fault({ kind: 'http_error', status: 500, count: 1, method: 'GET' });
  const r = await ok(S, 'ig_list_conversations', { limit: 2 });
  assert.equal(r.conversations.length, 2);
  const reqs = (await S.admin.requests()).filter((q) => q.path.endsWith('/conversations'));
  assert.deepEqual(reqs.map((q) => q.status), [500, 200], 'one failed attempt, one retry');
  assert.ok(reqs.every((q) => q.host === 'graph.instagram.com'));
  await S.admin.clearFaults();
});

test('a 5xx on a send is not retried', async () => {
  const conv = (await S.admin.conversations()).find((c) => c.window === 'open' && c.folder === 'inbox');
  await S.admin.inbound({ user_id: conv.user_id, text: 'e2e: hello?' });
  await S.admin.clearRequests();
  await S.admin.fault({ kind: 'http_error', status: 500, count: 1, method: 'POST' });
  try {
    const r = await fails(S, 'ig_send_message', { recipient_id: conv.user_id, text: 'maybe sent' });
    assert.equal(r.structuredContent.error.graph.http_status, 500);
    const posts = (await S.admin.requests()).filter((q) => q.method === 'POST');
    assert.equal(posts.length, 1, 'exactly one POST: a send is never repeated');
    assert.equal(posts[0].status, 500);
  } finally {
    await S.admin.clearFaults();
  }
});

test('Facebook Login: Page token, graph.facebook.com, platform=instagram', async () => {
  // -v twice: debug logging on stderr too, for the secrets check.
  const F = await start({ extraArgs: ['-v', '--login', 'facebook'] });
  await withTimeout(F.client.listTools(), 10000, 'tools/list');
  await F.admin.clearRequests();
  const list = await ok(F, 'ig_list_conversations', { limit: 3 });
  assert.equal(list.conversations.length, 3);
  assert.equal(typeof list.next_cursor, 'string');
  const get = (await F.admin.requests()).find((q) => q.method === 'GET' && q.path.endsWith('/conversations'));
  assert.ok(get, 'the list call reached the sandbox');
  assert.equal(get.host, 'graph.facebook.com');
  assert.equal(get.query.platform, 'instagram');

  const convs = await F.admin.conversations();
  const open = convs.find((c) => c.window === 'open' && c.folder === 'inbox');
  await F.admin.inbound({ user_id: open.user_id, text: 'e2e via the Page' });
  const sent = await ok(F, 'ig_send_message', { recipient_id: open.user_id, text: 'answered via the Page' });
  assert.equal(sent.recipient_id, open.user_id);
  const post = (await F.admin.requests()).filter((q) => q.method === 'POST').pop();
  assert.equal(post.host, 'graph.facebook.com');

  const closed = convs.find((c) => c.window === 'closed' && c.last_inbound > 0);
  const r = await fails(F, 'ig_send_message', { recipient_id: closed.user_id, text: 'too late' });
  assert.equal(r.structuredContent.error.graph.code, 10);
  assert.equal(r.structuredContent.error.graph.subcode, 2018278);
  assert.match(textOf(r), /24 hours/);
});

test('tools/list: every enabled tool in one page, never a nextCursor', async () => {
  const P = await start();
  const r = await withTimeout(P.client.listTools(), 10000, 'tools/list');
  assert.equal(r.nextCursor, undefined, 'no second page, ever');
  assert.deepEqual(r.tools.map((t) => t.name).sort(), [...TOOL_NAMES].sort(), 'every tool exactly once');
  /* A cursor is still accepted: the tools from its offset ("t2"). */
  const rest = await withTimeout(P.client.listTools({ cursor: Buffer.from('t2').toString('hex') }), 10000, 'cursor');
  assert.deepEqual(rest.tools.map((t) => t.name), r.tools.slice(2).map((t) => t.name));
  for (const bogus of ['bogus', 'not-a-cursor-at-all', Buffer.from('t99').toString('hex')]) {
    await assert.rejects(withTimeout(P.client.listTools({ cursor: bogus }), 10000, 'bogus cursor'),
                         (e) => e instanceof McpError && e.code === -32602, `cursor ${bogus}`);
  }
});

test('every server exits 0 on EOF; no credential in any stdout or stderr', async () => {
  for (const s of sessions) await s.close();
  sessions.forEach((s, i) => {
    const out = s.stdout();
    const err = s.stderr();
    assert.deepEqual(s.exit, { code: 0, signal: null }, `server ${i} exit status; stderr tail: ${err.slice(-800)}`);
    assert.doesNotMatch(err, /AddressSanitizer|LeakSanitizer|runtime error:/, `server ${i} sanitizer report`);
    assert.ok(out.length > 0 && err.includes('sandbox listening on'), `session ${i} produced output`);
    assertNoSecrets(out, secrets, `stdout of server ${i}`);
    assertNoSecrets(err, secrets, `stderr of server ${i}`);
  });
});

// A guard: the whole file must not hang on a stuck server.
setTimeout(() => {
  console.error('sdk.test.mjs: overall time limit reached');
  process.exit(1);
}, 150000).unref();
