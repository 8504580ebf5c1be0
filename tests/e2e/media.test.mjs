// SPDX-License-Identifier: MIT
//
// media.test.mjs: the media toolset through the official SDK client against
// `igmcp serve --sandbox`: every tool once with a good input and once with
// a refused one, the local rules at their boundaries (since < until,
// numeric ids only), reels reported as reels, stories limited to 24 hours,
// and delete-then-get.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callRaw, startSdkServer, textOf, withTimeout } from './lib.mjs';

let S;
let F;

/* Tools whose results are concise by default: these tests check every
 * field, so they ask for the detailed form (results.test.mjs covers the
 * concise one). */
const DETAILED = new Set(['ig_list_media', 'ig_get_media', 'ig_get_media_children', 'ig_list_stories',
                          'ig_get_live_media', 'ig_list_tagged_media']);

async function ok(s, name, args) {
  if (DETAILED.has(name)) args = { response_format: 'detailed', ...args };
  const r = await withTimeout(s.client.callTool({ name, arguments: args }), 30000,
                              `${name} ${JSON.stringify(args)}`);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  const { rate_limit: _rl, ...rest } = r.structuredContent;
  return rest;
}

async function fails(s, name, args, re) {
  const r = await withTimeout(callRaw(s.client, name, args), 30000, `${name} (expected to fail)`);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${textOf(r).slice(0, 300)}`);
  if (re) assert.match(textOf(r), re);
  return r;
}

before(async () => {
  S = await startSdkServer();
  F = await startSdkServer({ extraArgs: ['--login', 'facebook'] });
});

after(async () => {
  for (const s of [S, F]) if (s) await s.close().catch(() => {});
});

test('ig_list_media: kinds, paging, fields, since/until', async () => {
  const p1 = await ok(S, 'ig_list_media', {});
  assert.equal(p1.count, 25);
  assert.ok(p1.next_cursor, 'a second page exists');
  const kinds = new Set(p1.media.map((m) => m.kind));
  for (const k of ['image', 'reel', 'carousel']) assert.ok(kinds.has(k), `kind ${k} listed`);
  const reel = p1.media.find((m) => m.kind === 'reel');
  assert.equal(reel.media_type, 'VIDEO');
  assert.equal(reel.media_product_type, 'REELS');
  assert.ok(!p1.media.some((m) => m.kind === 'story'), 'no stories in /media');
  const car = p1.media.find((m) => m.kind === 'carousel');
  assert.equal(car.children.length, 3);
  assert.deepEqual(new Set(car.children.map((c) => c.media_type)), new Set(['IMAGE', 'VIDEO']));
  const p2 = await ok(S, 'ig_list_media', { after: p1.next_cursor, limit: 100 });
  assert.ok(p2.count > 0 && !p2.next_cursor);
  assert.ok(!p2.media.some((m) => p1.media.find((x) => x.id === m.id)), 'pages do not overlap');
  const few = await ok(S, 'ig_list_media', { limit: 2, fields: ['caption'] });
  assert.equal(few.count, 2);
  assert.equal(few.media[0].permalink, undefined, 'only the fields asked for');
  const now = Math.floor(Date.now() / 1000);
  const recent = await ok(S, 'ig_list_media', { since: now - 7 * 86400, until: now });
  assert.ok(recent.count > 0 && recent.count < 10);
  for (const m of recent.media) assert.ok(Date.parse(m.timestamp.replace('+0000', 'Z')) / 1000 >= now - 7 * 86400 - 5);
  await fails(S, 'ig_list_media', { since: now, until: now }, /since/);
  await fails(S, 'ig_list_media', { since: now + 10, until: now }, /since/);
  await fails(S, 'ig_list_media', { limit: 101 });
});

test('ig_get_media and ig_get_media_children; shortcodes refused', async () => {
  const list = await ok(S, 'ig_list_media', { limit: 10 });
  const car = list.media.find((m) => m.kind === 'carousel');
  const m = await ok(S, 'ig_get_media', { media_id: car.id });
  assert.equal(m.id, car.id);
  assert.equal(m.kind, 'carousel');
  assert.ok(m.permalink.startsWith('https://www.instagram.com/p/'));
  assert.equal(typeof m.shortcode, 'string');
  assert.equal(m.is_comment_enabled, true);
  const kids = await ok(S, 'ig_get_media_children', { media_id: car.id });
  assert.equal(kids.count, 3);
  assert.equal(kids.media[1].kind, 'video');
  await fails(S, 'ig_get_media', { media_id: 'CxYz12AbC' }, /numeric.*ig_list_media/s);
  await fails(S, 'ig_get_media_children', { media_id: m.shortcode }, /numeric/);
  await fails(S, 'ig_get_media', { media_id: '17999999999999999' }, /does not exist|Unsupported/i);
});

test('ig_list_stories: only the last 24 hours', async () => {
  const st = await ok(S, 'ig_list_stories', {});
  assert.equal(st.count, 2);
  const now = Date.now() / 1000;
  for (const s of st.media) {
    assert.equal(s.kind, 'story');
    assert.ok(now - Date.parse(s.timestamp.replace('+0000', 'Z')) / 1000 < 86400);
  }
  await fails(S, 'ig_list_stories', { user_id: 'someone' });
});

test('ig_get_live_media and ig_list_tagged_media', async () => {
  const live = await ok(S, 'ig_get_live_media', {});
  assert.deepEqual(live.media, []);
  assert.equal(live.count, 0);
  await fails(S, 'ig_get_live_media', { extra: 1 });
  const tags = await ok(S, 'ig_list_tagged_media', {});
  assert.ok(tags.count >= 2);
  assert.ok(tags.media.every((m) => m.username !== 'sandbox.studio'));
  await fails(S, 'ig_list_tagged_media', { limit: 0 });
});

test('ig_set_comments_enabled, then the media says so', async () => {
  const list = await ok(S, 'ig_list_media', { limit: 3 });
  const id = list.media[1].id;
  const r = await ok(S, 'ig_set_comments_enabled', { media_id: id, enabled: false });
  assert.deepEqual(r, { success: true, media_id: id, comments_enabled: false });
  assert.equal((await ok(S, 'ig_get_media', { media_id: id })).is_comment_enabled, false);
  await ok(S, 'ig_set_comments_enabled', { media_id: id, enabled: true });
  assert.equal((await ok(S, 'ig_get_media', { media_id: id })).is_comment_enabled, true);
  await fails(S, 'ig_set_comments_enabled', { media_id: id });
});

test('ig_delete_media, then get fails (both logins)', async () => {
  for (const s of [S, F]) {
    const list = await ok(s, 'ig_list_media', { limit: 25 });
    const victim = list.media[list.media.length - 1];
    const r = await ok(s, 'ig_delete_media', { media_id: victim.id });
    assert.equal(r.success, true);
    await fails(s, 'ig_get_media', { media_id: victim.id }, /does not exist|Unsupported/i);
    const after = await ok(s, 'ig_list_media', { limit: 100 });
    assert.ok(!after.media.some((m) => m.id === victim.id));
    await fails(s, 'ig_delete_media', { media_id: victim.id });
  }
  await fails(S, 'ig_delete_media', { media_id: 'DxAbc' }, /numeric/);
});

test('collaboration invites: list, accept, gone', async () => {
  const inv = await ok(S, 'ig_list_collaboration_invites', {});
  assert.equal(inv.count, 1);
  const one = inv.invites[0];
  assert.equal(typeof one.owner_username, 'string');
  const r = await ok(S, 'ig_respond_collaboration_invite', { media_id: one.media_id, accept: true });
  assert.deepEqual(r, { success: true, media_id: one.media_id, status: 'accepted' });
  assert.equal((await ok(S, 'ig_list_collaboration_invites', {})).count, 0);
  await fails(S, 'ig_respond_collaboration_invite', { media_id: one.media_id, accept: false });
  await fails(S, 'ig_respond_collaboration_invite', { media_id: one.media_id });
  await fails(S, 'ig_list_collaboration_invites', { user_id: 'x y' });
});
