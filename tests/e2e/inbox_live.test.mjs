// SPDX-License-Identifier: MIT
// The inbox end to end, as a deployment runs it: `serve --sandbox --http`
// points the sandbox's webhooks at its own /webhook; after
// ig_subscribe_webhooks, a person writing to the account (injected through
// the sandbox admin API) arrives as a signed delivery, is committed to the
// store, and the agent sees it: ig_list_unanswered says who waits and for
// how long, ig_search_messages finds it in any script, a client subscribed
// to the conversation's resource gets notifications/resources/updated, and
// the window guard opens with the message and closes 24 hours later
// (sandbox clock) without a Graph request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { callRaw, startHttpServer, textOf, waitFor, withTimeout } from './lib.mjs';

let H;
after(async () => { if (H) await H.close(); });

async function ok(name, args = {}) {
  const r = await withTimeout(H.client.callTool({ name, arguments: args }), 30000, name);
  assert.notEqual(r.isError, true, `${name}: ${textOf(r)}`);
  return r.structuredContent;
}

test('a DM delivered by webhook reaches the store, the tools, the resource subscriber and the window guard', async () => {
  H = await startHttpServer();
  const updates = [];
  H.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));

  const sub = await ok('ig_subscribe_webhooks');
  assert.equal(sub.subscribed ?? true, true);

  /* A new person writes in Russian. */
  const first = await H.admin.inbound({ username: 'olga.keramika', text: 'Здравствуйте! Когда будет готов заказ 4521?' });
  const uid = first.user_id;
  const waiting = await waitFor(async () => {
    const u = await ok('ig_list_unanswered');
    return u.conversations.find((c) => c.user_id === uid);
  }, { timeout: 15000, what: 'the webhook delivery in ig_list_unanswered' });
  assert.ok(waiting.waiting_ms >= 0, JSON.stringify(waiting));

  const found = await ok('ig_search_messages', { query: 'заказ', kind: 'dm' });
  assert.ok(found.results.some((m) => (m.text || '').includes('4521')), JSON.stringify(found).slice(0, 500));

  /* Subscribe to the conversation's resource; the next delivery for it
   * notifies this client. */
  const uri = `instagram://conversations/${uid}`;
  await H.client.subscribeResource({ uri });
  await H.admin.inbound({ user_id: uid, text: 'И ещё вопрос про глазурь' });
  await waitFor(() => updates.includes(uri), { timeout: 15000, what: `notifications/resources/updated for ${uri}` });
  const read = await H.client.readResource({ uri });
  assert.match(read.contents[0].text, /глазурь/);

  const hist = await ok('ig_get_history', { user: uid });
  assert.equal(hist.messages.length, 2);
  assert.ok(hist.messages.every((m) => m.direction === 'in'));

  /* The window is open: a reply goes out and is recorded. */
  await H.admin.clearRequests();
  await ok('ig_send_message', { recipient_id: uid, text: 'Заказ будет готов в пятницу.' });
  assert.equal((await H.admin.requests()).filter((q) => q.method === 'POST').length, 1);

  /* 24 hours and a minute later on the sandbox clock: refused locally. */
  await H.admin.post('clock', { advance_seconds: 24 * 3600 + 60 });
  await H.admin.clearRequests();
  const late = await callRaw(H.client, 'ig_send_message', { recipient_id: uid, text: 'Ещё одно сообщение' });
  assert.equal(late.isError, true);
  assert.equal(late.structuredContent.error.kind, 'window_closed', textOf(late));
  assert.match(textOf(late), /24/);
  assert.deepEqual((await H.admin.requests()).filter((q) => q.method === 'POST'), [],
                   'the refused send made no Graph request');
  assert.match(textOf(late), /HUMAN_AGENT/);
  /* ig_list_inbox shows the human-agent window (7 days from the user's
   * last message), and the tagged send goes through. */
  const inbox = await ok('ig_list_inbox');
  const conv = inbox.conversations.find((c) => c.user_id === uid);
  assert.equal(conv.window.state, 'human_agent', JSON.stringify(conv.window));
  await ok('ig_send_message', { recipient_id: uid, text: 'Ответ оператора', tag: 'HUMAN_AGENT' });
  /* Past 7 days: closed, even with the tag. */
  await H.admin.post('clock', { advance_seconds: 6 * 24 * 3600 });
  await H.admin.clearRequests();
  const closed = await callRaw(H.client, 'ig_send_message', { recipient_id: uid, text: 'x', tag: 'HUMAN_AGENT' });
  assert.equal(closed.structuredContent.error.kind, 'window_closed', textOf(closed));
  assert.deepEqual((await H.admin.requests()).filter((q) => q.method === 'POST'), []);
  const after7 = (await ok('ig_list_inbox')).conversations.find((c) => c.user_id === uid);
  assert.equal(after7.window.state, 'closed', JSON.stringify(after7.window));
});

test("Meta's window refusal is learned: the next send is refused locally", async () => {
  const { startSdkServer } = await import('./lib.mjs');
  const S = await startSdkServer();
  try {
    const me = (await S.admin.get('state')).ig_user_id;
    const conv = (await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } }))
      .structuredContent.conversations[0];
    const uid = conv.participants.find((p) => p.id !== me).id;
    /* The store knows nothing of this person; 8 days pass. */
    await S.admin.post('clock', { advance_seconds: 8 * 24 * 3600 });
    await S.admin.clearRequests();
    const first = await callRaw(S.client, 'ig_send_message', { recipient_id: uid, text: 'hello again' });
    assert.equal(first.isError, true);
    assert.equal(first.structuredContent.error.graph?.subcode, 2534022, textOf(first));
    assert.equal((await S.admin.requests()).filter((q) => q.method === 'POST').length, 1, 'Meta was asked once');
    await S.admin.clearRequests();
    const second = await callRaw(S.client, 'ig_send_message', { recipient_id: uid, text: 'and again' });
    assert.equal(second.structuredContent.error.kind, 'window_closed', textOf(second));
    assert.deepEqual((await S.admin.requests()).filter((q) => q.method === 'POST'), [], 'not asked again');
  } finally {
    await S.close();
  }
});
