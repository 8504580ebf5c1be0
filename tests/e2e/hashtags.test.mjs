// SPDX-License-Identifier: MIT
//
// hashtags.test.mjs: the hashtags toolset through the official SDK client
// against `igmcp serve --sandbox --login facebook`: every tool with a
// success and a refused input, the 30-unique-hashtags-per-7-days budget at
// its boundary (refused locally, with the time a slot frees up; repeats
// still allowed), Meta's own refusal of the 31st in the sandbox, and the
// Instagram Login refusal.  ig_get_hashtag_media reads the top or recent
// media by order; the tools it replaced (ig_get_hashtag_top_media,
// ig_get_hashtag_recent_media) are unlisted aliases that preset order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoSecrets, callRaw, sandboxSecrets, startSdkServer, textOf, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const sessions = [];
let F;      // Facebook Login session
let ME;     // our IG account id
let tagId;  // id of #ceramics

async function start(opts) {
  const s = await startSdkServer(opts);
  sessions.push(s);
  return s;
}

async function ok(s, name, args) {
  const r = await withTimeout(s.client.callTool({ name, arguments: args }),
                              30000, `${name} ${JSON.stringify(args)}`);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  /* The usage appears only near the limit (concise results). */
  const { rate_limit: _rl, ...rest } = r.structuredContent;
  return rest;
}

async function fails(s, name, args, re) {
  const r = await withTimeout(callRaw(s.client, name, args), 30000, `${name} (expected to fail)`);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail, got ${textOf(r).slice(0, 300)}`);
  if (re) assert.match(textOf(r), re);
  return r;
}

/* Graph requests the sandbox saw whose path contains part. */
async function graphCalls(s, part) {
  return (await s.admin.requests()).filter((q) => q.path.includes(part));
}

before(async () => {
  F = await start({ extraArgs: ['--login', 'facebook'] });
  ME = (await F.admin.get('state')).ig_user_id;
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  for (const s of sessions) {
    assertNoSecrets(s.stdout(), secrets, 'stdout');
    assertNoSecrets(s.stderr(), secrets, 'stderr');
    // Under ASan a leak or error makes the exit status non-zero.
    assert.deepEqual(s.exit, { code: 0, signal: null }, `exit status; stderr tail: ${s.stderr().slice(-800)}`);
  }
});

test('the four hashtag tools are listed, read-only; the merged-away names are not', async () => {
  const { tools } = await F.client.listTools();
  const names = ['ig_search_hashtag', 'ig_get_hashtag', 'ig_get_hashtag_media',
                 'ig_list_recent_hashtag_searches'];
  for (const n of names) {
    const t = tools.find((x) => x.name === n);
    assert.ok(t, n);
    assert.equal(t.annotations.readOnlyHint, true, n);
  }
  for (const gone of ['ig_get_hashtag_top_media', 'ig_get_hashtag_recent_media']) {
    assert.equal(tools.find((x) => x.name === gone), undefined, `${gone} is not listed`);
  }
  const m = tools.find((x) => x.name === 'ig_get_hashtag_media');
  assert.deepEqual(m.inputSchema.properties.order.enum, ['top', 'recent']);
  assert.equal(m.inputSchema.properties.order.default, 'top');
  assert.deepEqual(m.inputSchema.required, ['hashtag_id']);
  assert.ok(m.description.length <= 1000);
});

test('ig_search_hashtag: finds the id and shows the budget', async () => {
  const r = await ok(F, 'ig_search_hashtag', { hashtag: 'Ceramics' });
  assert.match(r.id, /^\d{17}$/);
  assert.equal(r.name, 'ceramics');
  assert.equal(r.already_counted, false);
  assert.deepEqual([r.budget.limit, r.budget.used, r.budget.remaining], [30, 1, 29]);
  tagId = r.id;
  const q = await graphCalls(F, 'ig_hashtag_search');
  assert.equal(q.length, 1);
  assert.equal(q[0].host, 'graph.facebook.com');
});

test('ig_search_hashtag: names are checked locally', async () => {
  await F.admin.clearRequests();
  await fails(F, 'ig_search_hashtag', { hashtag: 'bad tag' }, /hashtag: only letters, digits and underscores/);
  await fails(F, 'ig_search_hashtag', { hashtag: 'party🎉' }, /emoji/);
  await fails(F, 'ig_search_hashtag', { hashtag: 'a#b' }, /without '#'/);
  await fails(F, 'ig_search_hashtag', { hashtag: 'x'.repeat(101) }, /longer than 100/);
  assert.deepEqual(await graphCalls(F, 'ig_hashtag_search'), [], 'nothing reached the Graph API');
});

test('ig_get_hashtag: id and name; a malformed id is refused', async () => {
  const r = await ok(F, 'ig_get_hashtag', { hashtag_id: tagId });
  assert.deepEqual(r, { id: tagId, name: 'ceramics' });
  await fails(F, 'ig_get_hashtag', { hashtag_id: 'ceramics' });
  await fails(F, 'ig_get_hashtag', { hashtag_id: '17840000000000000' }, /does not exist/);
});

test('ig_get_hashtag_media order top (the default): a page, the next page, limit bounds', async () => {
  const p1 = await ok(F, 'ig_get_hashtag_media', { hashtag_id: tagId, limit: 20 });
  assert.equal(p1.count, 20);
  assert.ok(p1.next_cursor);
  for (const m of p1.media) {
    assert.match(m.id, /^\d+$/);
    assert.ok(['IMAGE', 'VIDEO', 'CAROUSEL_ALBUM'].includes(m.media_type));
    assert.match(m.caption, /#ceramics/);
    assert.equal(m.username, undefined, 'Meta hides usernames');
  }
  const likes = p1.media.map((m) => m.like_count);
  assert.deepEqual([...likes].sort((a, b) => b - a), likes, 'most popular first');
  assert.deepEqual(await ok(F, 'ig_get_hashtag_media', { hashtag_id: tagId, limit: 20, order: 'top' }), p1,
                   'order defaults to top');
  const q = await graphCalls(F, `${tagId}/top_media`);
  assert.ok(q.length >= 2 && q.every((x) => x.host === 'graph.facebook.com'));
  const p2 = await ok(F, 'ig_get_hashtag_media', { hashtag_id: tagId, limit: 20, after: p1.next_cursor });
  assert.equal(p2.count, 20);
  assert.ok(!p2.media.some((m) => p1.media.find((x) => x.id === m.id)), 'no overlap');
  await fails(F, 'ig_get_hashtag_media', { hashtag_id: tagId, limit: 51 });
  await fails(F, 'ig_get_hashtag_media', { hashtag_id: tagId, order: 'newest' }, /order/);
});

test('ig_get_hashtag_media order recent: last 24 hours, newest first', async () => {
  const now = (await F.admin.get('state')).now;
  const r = await ok(F, 'ig_get_hashtag_media', { hashtag_id: tagId, order: 'recent', limit: 50 });
  assert.ok(r.count >= 10);
  const ts = r.media.map((m) => Date.parse(m.timestamp) / 1000);
  for (const t of ts) assert.ok(t <= now && t > now - 86400 - 600, 'within 24 h');
  assert.deepEqual([...ts].sort((a, b) => b - a), ts);
  assert.ok((await graphCalls(F, `${tagId}/recent_media`)).length >= 1);
  await fails(F, 'ig_get_hashtag_media', { order: 'recent', limit: 5 }, /hashtag_id/);
});

test('aliases ig_get_hashtag_top_media / ig_get_hashtag_recent_media: old arguments, same results', async () => {
  for (const [alias, order] of [['ig_get_hashtag_top_media', 'top'],
                                ['ig_get_hashtag_recent_media', 'recent']]) {
    const merged = await ok(F, 'ig_get_hashtag_media', { hashtag_id: tagId, order, limit: 7 });
    const old = await ok(F, alias, { hashtag_id: tagId, limit: 7 });
    assert.deepEqual(old, merged, alias);
    assert.equal(old.count, 7);
    if (merged.next_cursor) {
      assert.deepEqual(await ok(F, alias, { hashtag_id: tagId, limit: 7, after: merged.next_cursor }),
                       await ok(F, 'ig_get_hashtag_media', { hashtag_id: tagId, order, limit: 7,
                                                             after: merged.next_cursor }),
                       `${alias}: the next page`);
    }
    await fails(F, alias, { limit: 5 }, /hashtag_id/);
    await fails(F, alias, { hashtag_id: tagId, limit: 51 }, /limit/);
  }
  const top = await ok(F, 'ig_get_hashtag_top_media', { hashtag_id: tagId, limit: 7 });
  const recent = await ok(F, 'ig_get_hashtag_recent_media', { hashtag_id: tagId, limit: 7 });
  assert.notDeepEqual(top.media.map((m) => m.id), recent.media.map((m) => m.id),
                      'the aliases read different edges');
});

test('ig_list_recent_hashtag_searches: the window with names', async () => {
  const r = await ok(F, 'ig_list_recent_hashtag_searches', {});
  assert.equal(r.used, 1);
  assert.equal(r.remaining, 29);
  assert.equal(r.hashtags[0].id, tagId);
  assert.equal(r.hashtags[0].name, 'ceramics');
  assert.ok(Date.parse(r.hashtags[0].frees_up) > Date.now() + 6 * 86400e3);
  await fails(F, 'ig_list_recent_hashtag_searches', { limit: 5 });
});

test('budget: 30 unique succeed, the 31st is refused locally, repeats pass', async () => {
  for (let i = 2; i <= 30; i++) {
    const r = await ok(F, 'ig_search_hashtag', { hashtag: `tag_${i}` });
    assert.equal(r.budget.used, i);
    assert.equal(r.budget.remaining, 30 - i);
  }
  await F.admin.clearRequests();
  const r = await fails(F, 'ig_search_hashtag', { hashtag: 'tag_31' },
                        /30 unique hashtags in the last 7 days/);
  const m = textOf(r).match(/frees up at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000)/);
  assert.ok(m, textOf(r));
  const frees = Date.parse(m[1].replace('+0000', 'Z'));
  assert.ok(Math.abs(frees - (Date.now() + 7 * 86400e3)) < 120e3, 'a week after #ceramics');
  assert.match(textOf(r), /#ceramics/);
  assert.deepEqual(await graphCalls(F, 'ig_hashtag_search'), [], 'refused before any request');
  const again = await ok(F, 'ig_search_hashtag', { hashtag: 'ceramics' });
  assert.equal(again.already_counted, true);
  assert.equal(again.id, tagId);
  assert.equal(again.budget.remaining, 0);
});

test('sandbox: Meta refuses a 31st unique hashtag itself', async () => {
  const url = F.admin.url;
  const res = await fetch(`${url}/v25.0/ig_hashtag_search?user_id=${ME}&q=tag_31&access_token=${encodeURIComponent(secrets.SANDBOX_FB_TOKEN)}`,
                          { signal: AbortSignal.timeout(10000) });
  const body = await res.json();
  assert.equal(res.status, 400);
  assert.equal(body.error.code, 24);
  assert.match(body.error.message, /^\(#24\) .*30 unique hashtags/);
  const rep = await fetch(`${url}/v25.0/ig_hashtag_search?user_id=${ME}&q=tag_2&access_token=${encodeURIComponent(secrets.SANDBOX_FB_TOKEN)}`,
                          { signal: AbortSignal.timeout(10000) });
  assert.equal(rep.status, 200, 'a repeat is free');
  const ig = await fetch(`${url}/v25.0/ig_hashtag_search?user_id=${ME}&q=x&access_token=${encodeURIComponent(secrets.SANDBOX_IG_TOKEN)}`,
                         { signal: AbortSignal.timeout(10000) });
  const igb = await ig.json();
  assert.equal(ig.status, 400);
  assert.equal(igb.error.type, 'IGApiException', 'unknown on graph.instagram.com');
});

test('Instagram Login: every hashtag tool is refused locally', async () => {
  const I = await start();
  for (const [name, args] of [['ig_search_hashtag', { hashtag: 'x' }],
                              ['ig_get_hashtag', { hashtag_id: '1' }],
                              ['ig_get_hashtag_media', { hashtag_id: '1' }],
                              ['ig_get_hashtag_media', { hashtag_id: '1', order: 'recent' }],
                              ['ig_get_hashtag_top_media', { hashtag_id: '1' }],
                              ['ig_get_hashtag_recent_media', { hashtag_id: '1' }],
                              ['ig_list_recent_hashtag_searches', {}]]) {
    await fails(I, name, args, /needs Facebook Login/);
  }
  assert.deepEqual(await I.admin.requests(), []);
});
