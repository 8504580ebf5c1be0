// SPDX-License-Identifier: MIT
//
// publishing.test.mjs: the publishing tools through the official MCP SDK
// client against `igmcp serve --sandbox`: each tool with a success and a
// refused input, the one-call publishers with a slow video (the sandbox
// clock is moved forward when the progress notifications show the wait),
// an ERROR container, a 5xx before publishing (retried once, after a
// status check), a lost answer after publishing (the container is seen
// PUBLISHED and nothing is sent again), and the daily quota.
//
// Sandbox special values (docs/internals/sandbox-publishing.md): a
// video_url containing "slow" processes for 10 minutes of sandbox time,
// one containing "sandbox-error" ends in ERROR, and a caption containing
// "sandbox-lost-answer" makes media_publish publish, then answer HTTP 500.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callRaw, sandboxSecrets, startSdkServer, textOf, withTimeout } from './lib.mjs';

const IMG = 'https://cdn.example.com/sandbox/photo.jpg';
const VID = 'https://cdn.example.com/sandbox/clip.mp4';
const secrets = sandboxSecrets();
let S;
let ME;

async function ok(name, args, options) {
  const r = await withTimeout(S.client.callTool({ name, arguments: args }, undefined, options),
                              30000, `${name} ${JSON.stringify(args).slice(0, 200)}`);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

async function fails(name, args, options) {
  const r = await withTimeout(callRaw(S.client, name, args, options), 30000,
                              `${name} (expected to fail)`);
  assert.equal(r.isError, true, `${name} should fail, got ${textOf(r).slice(0, 300)}`);
  assert.ok(textOf(r).length > 0);
  return r;
}

const usage = async () => (await ok('ig_get_publishing_limit', {})).quota_usage;

/* media_publish POSTs the sandbox saw since the last clearRequests. */
async function publishPosts() {
  const log = await S.admin.requests();
  const entries = Array.isArray(log) ? log : log.data;
  return entries.filter((e) => e.method === 'POST' && e.path.endsWith('/media_publish'));
}

/* Progress options that advance the sandbox clock once the tool reports
 * that a container is IN_PROGRESS. */
function advanceOnWait(seen, seconds) {
  let advanced = false;
  return {
    onprogress: (p) => {
      seen.push(p);
      if (!advanced && /IN_PROGRESS/.test(p.message || '')) {
        advanced = true;
        S.admin.post('clock', { advance_seconds: seconds }).catch(() => {});
      }
    },
    timeout: 30000,
  };
}

before(async () => {
  S = await startSdkServer();
  ME = (await S.admin.get('state')).ig_user_id;
});

after(async () => {
  if (S) await S.close().catch(() => {});
});

test('catalog: the publishing tools with their annotations', async () => {
  const { tools } = await S.client.listTools();
  const by = new Map(tools.map((t) => [t.name, t]));
  for (const n of ['ig_create_media_container', 'ig_create_carousel_container',
                   'ig_publish_container', 'ig_publish_photo', 'ig_publish_reel',
                   'ig_publish_story', 'ig_publish_carousel']) {
    assert.ok(by.has(n), n);
    assert.equal(by.get(n).annotations.readOnlyHint, false, n);
    assert.equal(by.get(n).annotations.destructiveHint, false, n);
    assert.equal(by.get(n).annotations.idempotentHint, false, n);
  }
  for (const n of ['ig_get_container_status', 'ig_get_publishing_limit']) {
    assert.equal(by.get(n).annotations.readOnlyHint, true, n);
  }
});

test('ig_create_media_container: image FINISHED; refused inputs', async () => {
  const c = await ok('ig_create_media_container', {
    image_url: IMG, caption: 'Fresh glaze #ceramics @friend',
    user_tags: [{ username: 'friend', x: 0.5, y: 0.5 }], alt_text: 'A bowl',
  });
  assert.match(c.container_id, /^\d{17,18}$/);
  assert.equal(c.media_type, 'IMAGE');
  assert.equal(c.status_code, 'FINISHED');
  const item = await ok('ig_create_media_container', { video_url: VID, is_carousel_item: true });
  assert.equal(item.media_type, 'VIDEO');
  assert.equal(item.is_carousel_item, true);
  assert.equal(item.status_code, 'IN_PROGRESS');

  await S.admin.clearRequests();
  let r = await fails('ig_create_media_container', { image_url: 'http://cdn.example.com/a.jpg' });
  assert.match(textOf(r), /image_url.*https/);
  r = await fails('ig_create_media_container', { image_url: 'https://169.254.169.254/a.jpg' });
  assert.match(textOf(r), /private or metadata/);
  r = await fails('ig_create_media_container', { image_url: IMG, caption: 'é'.repeat(2201) });
  assert.match(textOf(r), /caption.*2200.*2201/);
  r = await fails('ig_create_media_container', {
    image_url: IMG, user_tags: [{ username: 'friend' }],
  });
  assert.match(textOf(r), /user_tags\[0\].*x and y/);
  r = await fails('ig_create_media_container', {
    image_url: IMG, collaborators: ['a', 'b', 'c', 'd'],
  });
  assert.match(textOf(r), /collaborators.*3/);
  r = await fails('ig_create_media_container', { image_url: IMG, share_to_feed: true });
  assert.match(textOf(r), /share_to_feed: only reels/);
  r = await fails('ig_create_media_container', { image_url: IMG, video_url: VID });
  assert.match(textOf(r), /exactly one/);
  assert.equal((await publishPosts()).length, 0);
  const log = await S.admin.requests();
  assert.equal((Array.isArray(log) ? log : log.data).length, 0, 'refusals spend no request');
});

test('ig_create_carousel_container: children then items, order kept; 1 and 11 refused', async () => {
  const child = await ok('ig_create_media_container', { image_url: IMG, is_carousel_item: true });
  const c = await ok('ig_create_carousel_container', {
    children: [child.container_id],
    items: [{ image_url: 'https://cdn.example.com/b.jpg' }],
    caption: 'Two bowls',
  });
  assert.equal(c.media_type, 'CAROUSEL');
  assert.equal(c.children.length, 2);
  assert.equal(c.children[0], child.container_id);
  assert.equal(c.status_code, 'FINISHED');
  let r = await fails('ig_create_carousel_container', { items: [{ image_url: IMG }] });
  assert.match(textOf(r), /2 to 10.*got 1/);
  r = await fails('ig_create_carousel_container', {
    children: Array(5).fill(child.container_id).map((x, i) => x.slice(0, -1) + i),
    items: Array(6).fill({ image_url: IMG }),
  });
  assert.match(textOf(r), /got 11/);
});

test('ig_get_container_status: a container; a bad id is refused', async () => {
  const c = await ok('ig_create_media_container', { image_url: IMG });
  const s = await ok('ig_get_container_status', { container_id: c.container_id });
  assert.equal(s.status_code, 'FINISHED');
  assert.match(s.status, /^Finished/);
  await fails('ig_get_container_status', { container_id: 'abc/../me' });
  const r = await fails('ig_get_container_status', { container_id: '99999999999999999' });
  assert.match(textOf(r), /\(#100\)|does not exist|Unsupported/);
});

test('ig_publish_container: publishes once; again reports PUBLISHED; unknown refused', async () => {
  const before0 = await usage();
  const c = await ok('ig_create_media_container', { image_url: IMG, caption: 'two step' });
  const p = await ok('ig_publish_container', { creation_id: c.container_id });
  assert.equal(p.status_code, 'PUBLISHED');
  assert.equal(p.already_published, false);
  assert.match(p.media_id, /^\d{17,18}$/);
  assert.equal(p.quota.quota_usage, before0 + 1);
  assert.equal(p.quota.quota_total, 100);
  await S.admin.clearRequests();
  const again = await ok('ig_publish_container', { creation_id: c.container_id });
  assert.equal(again.already_published, true);
  assert.equal((await publishPosts()).length, 0, 'a PUBLISHED container is not sent again');
  assert.equal(await usage(), before0 + 1);
  const r = await fails('ig_publish_container', { creation_id: '17000000000000000' });
  assert.match(textOf(r), /Unsupported|not exist|cannot be found/);
  await fails('ig_publish_container', { creation_id: c.container_id, poll_interval_seconds: 0 });
});

test('ig_publish_photo: one call with the quota; 31 hashtags refused', async () => {
  // No progress assertion here: with nothing to wait for, the SDK may
  // handle the response before the notifications that precede it.
  const p = await ok('ig_publish_photo', { image_url: IMG, caption: '#a '.repeat(30) },
                     { onprogress: () => {} });
  assert.equal(p.status_code, 'PUBLISHED');
  assert.ok(p.quota.quota_usage >= 1);
  const r = await fails('ig_publish_photo', { image_url: IMG, caption: '#a '.repeat(31) });
  assert.match(textOf(r), /hashtags.*30.*31/);
  const m = await fails('ig_publish_photo', { image_url: IMG, caption: '@u '.repeat(21) });
  assert.match(textOf(m), /@mentions.*20.*21/);
});

test('ig_publish_reel: a slow video waits (progress) and publishes after the clock moves', async () => {
  const seen = [];
  const p = await ok('ig_publish_reel', {
    video_url: 'https://cdn.example.com/slow-reel.mp4', caption: 'slow one',
    share_to_feed: true, thumb_offset: 1000, audio_name: 'Studio sounds',
    max_wait_seconds: 20, poll_interval_seconds: 1,
  }, advanceOnWait(seen, 700));
  assert.equal(p.status_code, 'PUBLISHED');
  assert.ok(p.media_id);
  assert.ok(seen.some((x) => /IN_PROGRESS/.test(x.message)), 'a progress note per poll');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].progress > seen[i - 1].progress);
  const r = await fails('ig_publish_reel', { video_url: 'file:///tmp/x.mp4' });
  assert.match(textOf(r), /video_url/);
});

test('ig_publish_reel: max_wait runs out on a slow video; nothing published', async () => {
  const u0 = await usage();
  await S.admin.clearRequests();
  const seen = [];
  const r = await fails('ig_publish_reel', {
    video_url: 'https://cdn.example.com/slow-2.mp4', max_wait_seconds: 2, poll_interval_seconds: 1,
  }, { onprogress: (x) => seen.push(x), timeout: 30000 });
  assert.match(textOf(r), /still IN_PROGRESS.*Nothing was published/);
  assert.ok(seen.filter((x) => /IN_PROGRESS/.test(x.message)).length >= 2, JSON.stringify(seen));
  assert.equal((await publishPosts()).length, 0);
  assert.equal(await usage(), u0);
});

test('ig_publish_story: an image story; an ERROR video stops with a clear error', async () => {
  const p = await ok('ig_publish_story', { image_url: IMG });
  assert.equal(p.status_code, 'PUBLISHED');
  const u0 = await usage();
  await S.admin.clearRequests();
  const r = await fails('ig_publish_story', {
    video_url: 'https://cdn.example.com/sandbox-error.mp4', poll_interval_seconds: 1,
  });
  assert.match(textOf(r), /failed processing.*2207026.*Nothing was published/);
  assert.equal(r.structuredContent.error.kind, 'container_error');
  assert.equal((await publishPosts()).length, 0);
  assert.equal(await usage(), u0);
  const both = await fails('ig_publish_story', { image_url: IMG, video_url: VID });
  assert.match(textOf(both), /exactly one/);
  const collab = await fails('ig_publish_story', { image_url: IMG, collaborators: ['a'] });
  assert.ok(textOf(collab).length > 0);
});

test('ig_publish_carousel: images and a video in one call; 1 item refused', async () => {
  const seen = [];
  const p = await ok('ig_publish_carousel', {
    items: [{ image_url: IMG }, { video_url: VID }, { image_url: 'https://cdn.example.com/c.jpg' }],
    caption: 'Three ways', max_wait_seconds: 20, poll_interval_seconds: 1,
  }, advanceOnWait(seen, 60));
  assert.equal(p.status_code, 'PUBLISHED');
  assert.equal(p.children.length, 3);
  assert.ok(seen.some((x) => /carousel item 3 of 3/.test(x.message)));
  const r = await fails('ig_publish_carousel', { items: [{ image_url: IMG }] });
  assert.match(textOf(r), /2 to 10/);
});

test('injected 5xx on media_publish: status checked, published exactly once', async () => {
  const u0 = await usage();
  await S.admin.fault({ kind: 'http_error', status: 500, count: 1, path: 'media_publish',
                        method: 'POST' });
  await S.admin.clearRequests();
  const p = await ok('ig_publish_photo', { image_url: IMG, caption: 'after a 5xx' });
  assert.equal(p.status_code, 'PUBLISHED');
  assert.equal(p.already_published, false);
  const posts = await publishPosts();
  assert.equal(posts.length, 2, 'the 5xx, then one retry after the status check');
  assert.equal(posts[0].status, 500);
  assert.equal(posts[1].status, 200);
  assert.equal(await usage(), u0 + 1);
  await S.admin.clearFaults();
});

test('lost answer after publishing: seen PUBLISHED, never posted twice', async () => {
  const u0 = await usage();
  await S.admin.clearRequests();
  const p = await ok('ig_publish_photo', { image_url: IMG, caption: 'sandbox-lost-answer' });
  assert.equal(p.status_code, 'PUBLISHED');
  assert.equal(p.already_published, true);
  assert.match(p.note, /not sent again/);
  const posts = await publishPosts();
  assert.equal(posts.length, 1, 'media_publish was sent once');
  assert.equal(posts[0].status, 500);
  assert.equal(await usage(), u0 + 1, 'the media count rose by exactly one');
});

test('ig_get_publishing_limit: usage, config, since; the quota error past the limit', async () => {
  const l = await ok('ig_get_publishing_limit', { since: Math.floor(Date.now() / 1000) - 3600 });
  assert.equal(l.quota_total, 100);
  assert.equal(l.quota_duration, 86400);
  assert.equal(l.remaining, 100 - l.quota_usage);
  await fails('ig_get_publishing_limit', { since: -1 });
  // Fill the quota straight through the sandbox's Graph API.
  const base = `${S.admin.url}/v25.0/${ME}`;
  const auth = { Authorization: `Bearer ${secrets.SANDBOX_IG_TOKEN}` };
  for (let i = l.quota_usage; i < 100; i++) {
    const c = await (await fetch(`${base}/media`, {
      method: 'POST', headers: auth, body: new URLSearchParams({ image_url: IMG }),
    })).json();
    const res = await fetch(`${base}/media_publish`, {
      method: 'POST', headers: auth, body: new URLSearchParams({ creation_id: c.id }),
    });
    assert.equal(res.status, 200);
  }
  assert.equal(await usage(), 100);
  const r = await fails('ig_publish_photo', { image_url: IMG });
  const g = r.structuredContent.error.graph;
  assert.equal(g.code, 9);
  assert.equal(g.subcode, 2207042);
  const after1 = await ok('ig_get_publishing_limit', {});
  assert.equal(after1.remaining, 0);
});
