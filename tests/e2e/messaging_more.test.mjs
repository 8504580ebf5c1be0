// SPDX-License-Identifier: MIT
//
// messaging_more.test.mjs: the rest of messaging through the official SDK
// client against `igmcp serve --sandbox`: ig_send_media, ig_send_reaction,
// ig_mark_seen, ig_set_typing (each a success and a refused input, window
// rules as for ig_send_message), and the messenger profile tools
// (ice breakers 4 vs 5 per locale, the default locale, both logins).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoSecrets, callRaw, sandboxSecrets, startSdkServer, textOf, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
let S;      // Instagram Login
let F;      // Facebook Login
let open;   // a conversation (admin view) whose window is open
let closed; // one whose window is closed

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

const cta = (i) => ({ question: `Question ${i}?`, payload: `Q${i}` });

before(async () => {
  S = await startSdkServer();
  F = await startSdkServer({ extraArgs: ['--login', 'facebook'] });
  const convs = await S.admin.conversations();
  open = convs.find((c) => c.window === 'open');
  closed = convs.find((c) => c.window === 'closed');
  if (!open) {
    const c = convs[0];
    await S.admin.inbound({ user_id: c.user_id, text: 'e2e: hello' });
    open = { ...c, window: 'open' };
  }
  assert.ok(open && closed, 'the seeded world has an open and a closed conversation');
});

after(async () => {
  for (const s of [S, F]) {
    if (!s) continue;
    await s.close();
    assertNoSecrets(s.stdout() + s.stderr(), secrets, 'server output');
  }
});

test('ig_send_media: an image by https URL lands in the conversation', async () => {
  const r = await ok(S, 'ig_send_media', {
    recipient_id: open.user_id, type: 'image', url: 'https://example.com/e2e/photo.jpg',
  });
  assert.equal(r.recipient_id, open.user_id);
  assert.equal(r.type, 'image');
  const list = await ok(S, 'ig_list_messages', { conversation_id: open.id, limit: 1 });
  assert.equal(list.messages[0].id, r.message_id);
  assert.equal(list.messages[0].attachments[0].type, 'image');
  assert.equal(list.messages[0].attachments[0].url, 'https://example.com/e2e/photo.jpg');
  for (const type of ['video', 'audio', 'file']) {
    await ok(S, 'ig_send_media', { recipient_id: open.user_id, type, url: `https://example.com/e2e/x.${type}` });
  }
});

test('ig_send_media: refused inputs and the closed window', async () => {
  await fails(S, 'ig_send_media', { recipient_id: open.user_id, type: 'image', url: 'http://example.com/a.jpg' }, /url/);
  await fails(S, 'ig_send_media', { recipient_id: open.user_id, type: 'sticker', url: 'https://example.com/a.jpg' }, /type/);
  await fails(S, 'ig_send_media', { recipient_id: 'someone', type: 'image', url: 'https://example.com/a.jpg' }, /recipient_id/);
  await fails(S, 'ig_send_media', { recipient_id: closed.user_id, type: 'image', url: 'https://example.com/a.jpg' }, /window|24 hours/i);
});

test('ig_send_reaction: react, unreact, and a message of another conversation', async () => {
  const list = await ok(S, 'ig_list_messages', { conversation_id: open.id, limit: 5 });
  const mid = list.messages.find((m) => m.from && m.from.id === open.user_id)?.id ?? list.messages[0].id;
  const r = await ok(S, 'ig_send_reaction', { recipient_id: open.user_id, message_id: mid, reaction: '😂' });
  assert.deepEqual(r, { recipient_id: open.user_id, action: 'react', ...(r.rate_limit ? { rate_limit: r.rate_limit } : {}) });
  const u = await ok(S, 'ig_send_reaction', { recipient_id: open.user_id, message_id: mid, remove: true });
  assert.equal(u.action, 'unreact');
  await fails(S, 'ig_send_reaction', { recipient_id: open.user_id, message_id: mid, reaction: 'love', remove: true }, /remove/);
  await fails(S, 'ig_send_reaction', { recipient_id: open.user_id, message_id: 'not-a-message-here' }, /message_id/);
});

test('ig_mark_seen and ig_set_typing: success in the window, refused outside it', async () => {
  const seen = await ok(S, 'ig_mark_seen', { recipient_id: open.user_id });
  assert.equal(seen.action, 'mark_seen');
  const after = (await S.admin.conversations()).find((c) => c.id === open.id);
  assert.equal(after.unread, 0);
  assert.equal((await ok(S, 'ig_set_typing', { recipient_id: open.user_id })).action, 'typing_on');
  assert.equal((await ok(S, 'ig_set_typing', { recipient_id: open.user_id, on: false })).action, 'typing_off');
  await fails(S, 'ig_mark_seen', { recipient_id: closed.user_id }, /window|24 hours/i);
  await fails(S, 'ig_set_typing', { recipient_id: open.user_id, on: 'yes' }, /on/);
  await fails(S, 'ig_mark_seen', {}, /recipient_id/);
});

test('ig_get_messenger_profile: the seeded ice breakers on both logins', async () => {
  for (const s of [S, F]) {
    const r = await ok(s, 'ig_get_messenger_profile', {});
    assert.ok(r.set.includes('ice_breakers'));
    assert.equal(r.profile.ice_breakers[0].locale, 'default');
    assert.equal(r.profile.ice_breakers[0].call_to_actions.length, 2);
  }
  await fails(S, 'ig_get_messenger_profile', { fields: ['colour'] }, /fields/);
});

test('ig_update_messenger_profile: 4 questions per locale pass, 5 are refused', async () => {
  const four = [{ locale: 'default', call_to_actions: [1, 2, 3, 4].map(cta) },
                { locale: 'fr_FR', call_to_actions: [cta(5)] }];
  const r = await ok(S, 'ig_update_messenger_profile', { ice_breakers: four });
  assert.equal(r.questions, 5);
  assert.equal(r.locales, 2);
  const got = await ok(S, 'ig_get_messenger_profile', { fields: ['ice_breakers'] });
  assert.deepEqual(got.profile.ice_breakers, four);

  const log = (await S.admin.requests()).length;
  await fails(S, 'ig_update_messenger_profile',
              { ice_breakers: [{ locale: 'default', call_to_actions: [1, 2, 3, 4, 5].map(cta) }] }, /at most 4/);
  await fails(S, 'ig_update_messenger_profile',
              { ice_breakers: [{ locale: 'en_US', call_to_actions: [cta(1)] }] }, /default/);
  await fails(S, 'ig_update_messenger_profile',
              { ice_breakers: [{ locale: 'default', call_to_actions: [cta(1)] },
                               { locale: 'default', call_to_actions: [cta(2)] }] }, /twice/);
  await fails(S, 'ig_update_messenger_profile',
              { ice_breakers: [{ locale: 'default', call_to_actions: [{ question: 'q' }] }] }, /payload/);
  assert.equal((await S.admin.requests()).length, log, 'refused locally: no Graph request');

  /* Facebook Login: the Page's Instagram profile (platform=instagram). */
  await ok(F, 'ig_update_messenger_profile', { ice_breakers: [{ locale: 'default', call_to_actions: [cta(9)] }] });
  const fb = await ok(F, 'ig_get_messenger_profile', {});
  assert.equal(fb.profile.ice_breakers[0].call_to_actions[0].payload, 'Q9');
  const reqs = await F.admin.requests();
  assert.ok(reqs.some((q) => q.method === 'POST' && /messenger_profile/.test(q.path) &&
                              JSON.stringify(q).includes('instagram')));
});

test('ig_delete_messenger_profile: removes ice breakers; bad fields refused', async () => {
  const r = await ok(S, 'ig_delete_messenger_profile', { fields: ['ice_breakers'] });
  assert.deepEqual(r.deleted, ['ice_breakers']);
  const got = await ok(S, 'ig_get_messenger_profile', {});
  assert.deepEqual(got.set, []);
  assert.match(got.note, /No ice breakers/);
  await fails(S, 'ig_delete_messenger_profile', { fields: [] }, /fields/);
  await fails(S, 'ig_delete_messenger_profile', { fields: ['everything'] }, /fields/);
});
