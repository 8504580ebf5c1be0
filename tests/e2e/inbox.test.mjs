// SPDX-License-Identifier: MIT
//
// inbox.test.mjs: the inbox toolset through the official SDK client against
// `igmcp serve --sandbox`.  The sandbox's admin API does not feed the store
// here, so the store is filled the way a running server fills it without
// webhooks: every message ig_send_message and ig_send_media send is
// recorded as ours.  Checked: the inbox, the whole history in order with
// ISO times, FTS search in three scripts, the event log, unanswered, the
// store surviving a restart (--db FILE), --db off, and which inbox tools
// the default set lists.  The window guard's refusals need stored inbound
// messages and are tested in tests/unit/test_send_guard.c.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertNoSecrets, callRaw, sandboxSecrets, startSdkServer, textOf, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const servers = [];
let S;
let open; // a conversation (admin view) whose window is open
let dir;

async function start(extraArgs = []) {
  const s = await startSdkServer({ extraArgs });
  servers.push(s);
  return s;
}

async function ok(s, name, args) {
  const r = await withTimeout(s.client.callTool({ name, arguments: args }), 30000, name);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

async function fails(s, name, args, re) {
  const r = await withTimeout(callRaw(s.client, name, args), 30000, `${name} (to fail)`);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${textOf(r).slice(0, 300)}`);
  if (re) assert.match(textOf(r), re);
  return r;
}

const TEXTS = [
  'Your order #1042 has shipped',
  '発送しました。ありがとうございます',
  'Доставка займёт три дня',
  'Thanks again, see you soon',
];

before(async () => {
  const parent = process.env.XDG_STATE_HOME || os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  dir = fs.mkdtempSync(path.join(parent, 'inbox-e2e-'));
  S = await start(['--db', path.join(dir, 'inbox.db')]);
  const convs = await S.admin.conversations();
  open = convs.find((c) => c.window === 'open');
  if (!open) {
    await S.admin.inbound({ user_id: convs[0].user_id, text: 'e2e: hello' });
    open = { ...convs[0], window: 'open' };
  }
});

after(async () => {
  for (const s of servers) {
    await s.close().catch(() => {});
    assertNoSecrets(s.stdout() + s.stderr(), secrets, 'server output');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('sent messages are recorded: inbox, history, search, events', async () => {
  const sent = [];
  for (const text of TEXTS)
    sent.push((await ok(S, 'ig_send_message', { recipient_id: open.user_id, text })).message_id);
  const media = await ok(S, 'ig_send_media', {
    recipient_id: open.user_id, type: 'image', url: 'https://example.com/e2e/catalog.jpg',
  });
  sent.push(media.message_id);

  const inbox = await ok(S, 'ig_list_inbox', {});
  const conv = inbox.conversations.find((c) => c.user_id === open.user_id);
  assert.ok(conv, 'the conversation is in the stored inbox');
  assert.equal(conv.last_message.mid, media.message_id);
  assert.equal(conv.last_message.direction, 'out');
  assert.equal(conv.unread, 0);
  /* Unknown unless the sandbox also delivers its inbound messages to the
   * store as webhooks (then open: the person wrote just now). */
  assert.ok(['unknown', 'open'].includes(conv.window.state), conv.window.state);

  /* Only what we sent (the person's messages may be stored too). */
  const hist = await ok(S, 'ig_get_history', { user: open.user_id });
  const ours = hist.messages.filter((m) => m.direction === 'out');
  assert.deepEqual(ours.map((m) => m.mid), sent);
  assert.deepEqual(ours.slice(0, 4).map((m) => m.text), TEXTS);
  for (const m of hist.messages) {
    assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    assert.equal(new Date(m.created_at).getTime(), m.created_ms);
  }
  assert.equal(ours[4].attachments.length, 1);
  assert.equal(hist.count, hist.messages.length);

  /* Paging back: two at a time, every message once. */
  const paged = [];
  let before;
  for (;;) {
    const page = await ok(S, 'ig_get_history', { user: open.user_id, limit: 2, ...(before ? { before_ms: before } : {}) });
    paged.unshift(...page.messages.map((m) => m.mid));
    if (page.next_before_ms === undefined) break;
    before = page.next_before_ms;
  }
  assert.deepEqual(paged, hist.messages.map((m) => m.mid));

  for (const [query, want] of [['ありがとう', TEXTS[1]], ['доставка', TEXTS[2]], ['shipped', TEXTS[0]], ['#1042', TEXTS[0]]]) {
    const r = await ok(S, 'ig_search_messages', { query, kind: 'dm' });
    const mine = r.results.filter((x) => x.direction === 'out');
    assert.deepEqual(mine.map((x) => x.text), [want], `search ${query}`);
    assert.equal(mine[0].kind, 'dm');
    assert.equal(mine[0].from_id !== open.user_id, true);
  }
  const none = await ok(S, 'ig_search_messages', { query: 'shipped', kind: 'comment' });
  assert.equal(none.results.length, 0);

  const ev = await ok(S, 'ig_list_inbox_events', { kind: 'echo' });
  assert.equal(ev.count, 5);
  assert.equal(ev.events[0].key, `message:${media.message_id}`);

  const un = await ok(S, 'ig_list_unanswered', { kind: 'dm' });
  assert.equal(un.conversations.find((c) => c.user_id === open.user_id), undefined);
});

test('a private reply to a comment is recorded as a DM to the commenter', async () => {
  const media = (await ok(S, 'ig_list_media', { limit: 1 })).media[0];
  const c = (await ok(S, 'ig_list_comments', { media_id: media.id })).comments
    .find((x) => x.username !== 'sandbox.studio' && !x.hidden);
  assert.ok(c, 'a comment by someone else on the newest post');
  const r = await ok(S, 'ig_send_private_reply', { comment_id: c.id, text: 'Details by DM: 返信します' });
  const hist = await ok(S, 'ig_get_history', { user: r.recipient_id });
  const m = hist.messages.find((x) => x.mid === r.message_id);
  assert.ok(m, 'the private reply is in the stored history');
  assert.equal(m.direction, 'out');
  assert.equal(m.text, 'Details by DM: 返信します');
});

test('clear errors: unknown person, bad dates, bad cursor', async () => {
  await fails(S, 'ig_get_history', { user: '@nobody.here' }, /No stored conversation is with @nobody\.here/);
  await fails(S, 'ig_get_history', { user: '123456789' }, /no stored conversation/i);
  await fails(S, 'ig_get_history', {}, /exactly one of user/);
  await fails(S, 'ig_search_messages', { query: 'x', since: 'last month' }, /ISO-8601/);
  await fails(S, 'ig_list_inbox', { after: 'nope' }, /cursor/);
});

test('the store is a file: a restarted server reads the same history', async () => {
  const before = await ok(S, 'ig_get_history', { user: open.user_id });
  await S.close();
  const S2 = await start(['--db', path.join(dir, 'inbox.db')]);
  const after = await ok(S2, 'ig_get_history', { user: open.user_id });
  assert.deepEqual(after.messages.map((m) => m.mid), before.messages.map((m) => m.mid));
  S = S2;
});

test('--db off: the inbox tools say how to turn the store on, sends still work', async () => {
  const off = await start(['--db', 'off']);
  for (const [name, args] of [['ig_list_inbox', {}], ['ig_get_history', { user: '1' }],
                              ['ig_search_messages', { query: 'x' }], ['ig_list_unanswered', {}],
                              ['ig_list_inbox_events', {}]]) {
    const r = await fails(off, name, args, /--db off/);
    assert.equal(r.structuredContent.error.kind, 'not_configured');
  }
  await ok(off, 'ig_send_message', { recipient_id: open.user_id, text: 'no store, still sent' });
});

test('the default set lists ig_get_history and ig_list_unanswered only', async () => {
  const d = await start(['--toolsets', 'default']);
  const names = (await d.client.listTools()).tools.map((t) => t.name);
  assert.ok(names.includes('ig_get_history'));
  assert.ok(names.includes('ig_list_unanswered'));
  for (const n of ['ig_list_inbox', 'ig_search_messages', 'ig_list_inbox_events'])
    assert.ok(!names.includes(n), `${n} is not in the default set`);
  const all = (await S.client.listTools()).tools.filter((t) => t.name.startsWith('ig_') &&
    ['ig_list_inbox', 'ig_get_history', 'ig_search_messages', 'ig_list_unanswered', 'ig_list_inbox_events'].includes(t.name));
  assert.equal(all.length, 5);
  for (const t of all) {
    assert.equal(t.annotations.readOnlyHint, true);
    assert.equal(t.annotations.openWorldHint, false);
  }
});
