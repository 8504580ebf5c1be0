// SPDX-License-Identifier: MIT
//
// comments.test.mjs: the comments toolset through the official SDK client
// against `igmcp serve --sandbox`: every tool with a good and a refused
// input, Meta's comment rules at their boundaries (300/301 characters,
// 4/5 hashtags, 1/2 links, all capitals), hide-then-get, delete-then-get,
// one private reply per comment (the second refused by the sandbox with
// Meta's error) and none after 7 days, and mentions with Facebook Login.
// ig_list_comments and ig_post_comment take exactly one of media_id and
// comment_id; the tools they replaced (ig_list_comment_replies,
// ig_reply_to_comment) are unlisted aliases that still answer their old
// arguments with the merged tool's result.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callRaw, startSdkServer, textOf, withTimeout } from './lib.mjs';

let S;          // Instagram Login
let F;          // Facebook Login
let newest;     // the newest post (seeded with fresh comments)

/* These tests check every field, so they ask for the detailed form
 * (results.test.mjs covers the concise one). */
const DETAILED = new Set(['ig_list_comments', 'ig_get_comment', 'ig_get_mentioned_media',
                          'ig_list_comment_replies']);

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
  assert.equal(r.isError, true, `${name} should fail: ${textOf(r).slice(0, 300)}`);
  if (re) assert.match(textOf(r), re);
  return r;
}

before(async () => {
  S = await startSdkServer();
  F = await startSdkServer({ extraArgs: ['--login', 'facebook'] });
  newest = (await ok(S, 'ig_list_media', { limit: 1 })).media[0];
});

after(async () => {
  for (const s of [S, F]) if (s) await s.close().catch(() => {});
});

test('ig_list_comments: newest first, replies, hidden included', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  assert.ok(l.count >= 5);
  const ts = l.comments.map((c) => Date.parse(c.timestamp.replace('+0000', 'Z')));
  assert.deepEqual(ts, [...ts].sort((a, b) => b - a), 'newest first');
  assert.ok(l.comments.some((c) => c.hidden === true), 'a hidden comment is listed');
  const withReply = l.comments.find((c) => c.replies_count > 0);
  assert.ok(withReply, 'a thread with replies');
  assert.equal(withReply.replies[0].parent_id, withReply.id);
  assert.ok(l.comments.every((c) => typeof c.username === 'string' && c.media_id === newest.id));
  const page = await ok(S, 'ig_list_comments', { media_id: newest.id, limit: 2 });
  assert.equal(page.count, 2);
  assert.ok(page.next_cursor);
  await fails(S, 'ig_list_comments', { media_id: 'CxYz12AbC' });
});

test('ig_get_comment and ig_list_comments with comment_id (replies)', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  const t = l.comments.find((c) => c.replies_count > 0);
  const c = await ok(S, 'ig_get_comment', { comment_id: t.id });
  assert.equal(c.id, t.id);
  assert.equal(c.text, t.text);
  assert.equal(c.replies_count, t.replies_count);
  const rep = await ok(S, 'ig_list_comments', { comment_id: t.id });
  assert.equal(rep.count, t.replies_count);
  assert.deepEqual(rep.comments.map((x) => x.id), t.replies.map((x) => x.id));
  assert.ok(rep.comments.every((x) => x.parent_id === t.id && x.replies === undefined),
            'replies are one level deep');
  await fails(S, 'ig_get_comment', { comment_id: '18999999999999999' }, /does not exist|Unsupported/i);
  await fails(S, 'ig_list_comments', { comment_id: 'abc' }, /comment_id/);
});

test('merged tools are listed; ig_list_comment_replies and ig_reply_to_comment are not', async () => {
  const { tools } = await S.client.listTools();
  const names = tools.map((t) => t.name);
  for (const gone of ['ig_list_comment_replies', 'ig_reply_to_comment']) {
    assert.ok(!names.includes(gone), `${gone} is not listed`);
  }
  for (const n of ['ig_list_comments', 'ig_post_comment']) {
    const t = tools.find((x) => x.name === n);
    assert.ok(t, `${n} is listed`);
    const is = t.inputSchema;
    for (const k of ['oneOf', 'anyOf', 'allOf', 'not']) {
      assert.equal(is[k], undefined, `${n}: no top-level ${k}`);
    }
    assert.ok(is.properties.media_id && is.properties.comment_id, `${n} takes both fields`);
    assert.ok(!(is.required ?? []).includes('media_id') && !(is.required ?? []).includes('comment_id'));
    assert.match(t.description, /exactly one of media_id or comment_id/);
    assert.ok(t.description.length <= 1000 && n.length <= 40);
  }
  assert.equal(tools.find((x) => x.name === 'ig_list_comments').annotations.readOnlyHint, true);
  const post = tools.find((x) => x.name === 'ig_post_comment').annotations;
  assert.equal(post.readOnlyHint, false);
  assert.equal(post.destructiveHint, false);
});

test('exactly one of media_id and comment_id: both or neither is refused locally', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  const cid = l.comments[0].id;
  await S.admin.clearRequests();
  for (const [name, extra] of [['ig_list_comments', {}], ['ig_post_comment', { message: 'hello' }],
                               ['ig_list_comment_replies', {}], ['ig_reply_to_comment', { message: 'hello' }]]) {
    const both = await fails(S, name, { media_id: newest.id, comment_id: cid, ...extra },
                             /Both media_id and comment_id were given; give exactly one/);
    assert.equal(both.structuredContent.error.kind, 'invalid_argument');
    const none = await fails(S, name, { ...extra },
                             /Neither media_id nor comment_id was given; give exactly one/);
    assert.equal(none.structuredContent.error.kind, 'invalid_argument');
  }
  const reqs = await S.admin.requests();
  assert.deepEqual((reqs.data ?? reqs).filter((q) => /\/(comments|replies)$/.test(q.path)), [],
                   'nothing reached the Graph API');
});

test('alias ig_list_comment_replies: old arguments, same result as ig_list_comments', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  const t = l.comments.find((c) => c.replies_count > 0);
  const merged = await ok(S, 'ig_list_comments', { comment_id: t.id });
  const alias = await ok(S, 'ig_list_comment_replies', { comment_id: t.id });
  assert.deepEqual(alias, merged);
  assert.ok(alias.count > 0);
  const p1 = await ok(S, 'ig_list_comment_replies', { comment_id: t.id, limit: 1 });
  assert.deepEqual(p1, await ok(S, 'ig_list_comments', { comment_id: t.id, limit: 1 }));
  await fails(S, 'ig_list_comment_replies', { comment_id: 'abc' }, /comment_id/);
});

test('ig_post_comment: Meta rules at their boundaries', async () => {
  const m = newest.id;
  const ok300 = 'a'.repeat(300);
  const c = await ok(S, 'ig_post_comment', { media_id: m, message: ok300 });
  assert.match(c.id, /^[0-9]+$/);
  assert.equal(c.media_id, m);
  assert.equal((await ok(S, 'ig_get_comment', { comment_id: c.id })).text, ok300);
  await fails(S, 'ig_post_comment', { media_id: m, message: 'a'.repeat(301) }, /300/);
  await ok(S, 'ig_post_comment', { media_id: m, message: 'Nice #a #b #c #d' });
  await fails(S, 'ig_post_comment', { media_id: m, message: 'Nice #a #b #c #d #e' }, /hashtag/);
  await ok(S, 'ig_post_comment', { media_id: m, message: 'See https://example.com for more' });
  await fails(S, 'ig_post_comment', { media_id: m, message: 'See https://a.example and www.b.example' }, /link/);
  await fails(S, 'ig_post_comment', { media_id: m, message: 'THIS IS GREAT!' }, /capital/);
  await ok(S, 'ig_post_comment', { media_id: m, message: 'THIS is great!' });
  await fails(S, 'ig_post_comment', { media_id: m, message: '' });
});

test('ig_post_comment with comment_id: rules, and the reply is listed', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  const parent = l.comments.find((c) => !c.hidden);
  const r = await ok(S, 'ig_post_comment', { comment_id: parent.id, message: 'Thank you! 😊' });
  assert.match(r.id, /^[0-9]+$/);
  assert.equal(r.parent_id, parent.id);
  assert.equal(r.media_id, undefined);
  const rep = await ok(S, 'ig_list_comments', { comment_id: parent.id });
  assert.ok(rep.comments.some((c) => c.id === r.id && c.username === 'sandbox.studio'));
  await fails(S, 'ig_post_comment', { comment_id: parent.id, message: 'x'.repeat(301) }, /300/);
  await fails(S, 'ig_post_comment', { comment_id: parent.id, message: 'NO WAY' }, /capital/);
});

test('alias ig_reply_to_comment: old arguments, same result as ig_post_comment', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  const parent = l.comments.find((c) => !c.hidden);
  const merged = await ok(S, 'ig_post_comment', { comment_id: parent.id, message: 'Merged reply' });
  const alias = await ok(S, 'ig_reply_to_comment', { comment_id: parent.id, message: 'Alias reply' });
  assert.deepEqual(Object.keys(alias).sort(), Object.keys(merged).sort());
  assert.equal(alias.parent_id, merged.parent_id);
  assert.notEqual(alias.id, merged.id);
  const rep = await ok(S, 'ig_list_comments', { comment_id: parent.id });
  const got = (id) => rep.comments.find((c) => c.id === id);
  assert.equal(got(alias.id).text, 'Alias reply');
  assert.equal(got(merged.id).text, 'Merged reply');
  /* The merged tool's rules and errors apply to the alias. */
  const e1 = await fails(S, 'ig_reply_to_comment', { comment_id: parent.id, message: 'NO WAY' }, /capital/);
  const e2 = await fails(S, 'ig_post_comment', { comment_id: parent.id, message: 'NO WAY' });
  assert.equal(textOf(e1), textOf(e2));
  await fails(S, 'ig_reply_to_comment', { comment_id: parent.id }, /message/);
});

test('ig_hide_comment then get shows hidden; unhide', async () => {
  const l = await ok(S, 'ig_list_comments', { media_id: newest.id });
  const c = l.comments.find((x) => !x.hidden);
  assert.deepEqual(await ok(S, 'ig_hide_comment', { comment_id: c.id }),
                   { success: true, comment_id: c.id, hidden: true });
  assert.equal((await ok(S, 'ig_get_comment', { comment_id: c.id })).hidden, true);
  await ok(S, 'ig_hide_comment', { comment_id: c.id, hidden: false });
  assert.equal((await ok(S, 'ig_get_comment', { comment_id: c.id })).hidden, false);
  await fails(S, 'ig_hide_comment', { comment_id: c.id, hidden: 'yes' });
});

test('ig_delete_comment then get fails', async () => {
  const mine = await ok(S, 'ig_post_comment', { media_id: newest.id, message: 'to be deleted' });
  const r = await ok(S, 'ig_delete_comment', { comment_id: mine.id });
  assert.equal(r.success, true);
  await fails(S, 'ig_get_comment', { comment_id: mine.id }, /does not exist|Unsupported/i);
  await fails(S, 'ig_delete_comment', { comment_id: mine.id });
});

test('ig_send_private_reply: once per comment, within 7 days (both logins)', async () => {
  for (const s of [S, F]) {
    const l = await ok(s, 'ig_list_comments', { media_id: newest.id });
    const c = l.comments.find((x) => x.username !== 'sandbox.studio' && !x.hidden);
    const r = await ok(s, 'ig_send_private_reply', { comment_id: c.id, text: 'Hi! Sending details here.' });
    assert.match(r.message_id, /^[A-Za-z0-9_-]+$/);
    assert.equal(r.recipient_id, c.from_id);
    const again = await fails(s, 'ig_send_private_reply', { comment_id: c.id, text: 'Again' });
    assert.match(textOf(again), /already replied/i);
    assert.equal(again.structuredContent.error.graph.code, 10900);
  }
  /* A comment on a post two months old is past the 7-day window. */
  const all = await ok(S, 'ig_list_media', { limit: 100 });
  const old = all.media.find((m) => m.comments_count > 0 &&
                             Date.now() - Date.parse(m.timestamp.replace('+0000', 'Z')) > 30 * 86400e3);
  const oc = (await ok(S, 'ig_list_comments', { media_id: old.id })).comments
    .find((x) => x.username !== 'sandbox.studio');
  await fails(S, 'ig_send_private_reply', { comment_id: oc.id, text: 'Late' }, /window/);
  await fails(S, 'ig_send_private_reply', { comment_id: oc.id, text: '' });
});

test('mentions: mentioned media and comment (Facebook Login), reply to mention', async () => {
  const tags = await ok(F, 'ig_list_tagged_media', {});
  const mm = tags.media.find((m) => (m.caption || '').includes('@sandbox.studio'));
  assert.ok(mm, 'a media whose caption mentions us');
  const got = await ok(F, 'ig_get_mentioned_media', { media_id: mm.id });
  assert.equal(got.id, mm.id);
  assert.match(got.caption, /@sandbox\.studio/);
  await fails(S, 'ig_get_mentioned_media', { media_id: mm.id }, /mentioned_media/);
  await fails(F, 'ig_get_mentioned_media', { media_id: newest.id });

  const l = await ok(F, 'ig_list_comments', { media_id: newest.id });
  const mc = l.comments.find((c) => c.text.includes('@sandbox.studio'));
  const gc = await ok(F, 'ig_get_mentioned_comment', { comment_id: mc.id });
  assert.equal(gc.id, mc.id);
  assert.equal(gc.text, mc.text);
  await fails(S, 'ig_get_mentioned_comment', { comment_id: mc.id });

  const r1 = await ok(F, 'ig_reply_to_mention', { media_id: mm.id, message: 'Thanks for the shout-out!' });
  assert.match(r1.id, /^[0-9]+$/);
  const r2 = await ok(S, 'ig_reply_to_mention', { media_id: newest.id, comment_id: mc.id, message: 'Thank you!' });
  assert.equal(r2.parent_id, mc.id);
  await fails(S, 'ig_reply_to_mention', { media_id: mm.id, message: 'WOW' }, /capital/);
  await fails(S, 'ig_reply_to_mention', { media_id: newest.id, message: 'not a mention' });
});
