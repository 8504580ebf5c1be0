// SPDX-License-Identifier: MIT
//
// publishing.test.mjs: the publishing tools through the official MCP SDK
// client against `igmcp serve --sandbox`: each tool with a success and a
// refused input, ig_publish of every kind with a slow video (the sandbox
// clock is moved forward when the progress notifications show the wait),
// an ERROR container, a 5xx before publishing (retried once, after a
// status check), a lost answer after publishing (the container is seen
// PUBLISHED and nothing is sent again), and the daily quota.  The tools
// ig_publish and ig_create_container replaced are unlisted aliases: each
// is called with its old arguments and must send Meta the same request
// and return the same result as the merged tool; a field given to the
// wrong kind is refused with its name and the kind, before any request.
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

/* The old tool names, callable but not listed. */
const ALIASES = ['ig_publish_photo', 'ig_publish_reel', 'ig_publish_video', 'ig_publish_story',
                 'ig_publish_carousel', 'ig_create_media_container',
                 'ig_create_carousel_container'];

const usage = async () => (await ok('ig_get_publishing_limit', {})).quota_usage;

/* media_publish POSTs the sandbox saw since the last clearRequests. */
async function publishPosts() {
  const log = await S.admin.requests();
  const entries = Array.isArray(log) ? log : log.data;
  return entries.filter((e) => e.method === 'POST' && e.path.endsWith('/media_publish'));
}

/* The parameters of each container creation (POST /{ig-user}/media) the
 * sandbox saw since the last clearRequests, ids masked. */
async function mediaParams() {
  const log = await S.admin.requests();
  const entries = Array.isArray(log) ? log : log.data;
  return entries.filter((e) => e.method === 'POST' && e.path.endsWith('/media'))
    .map((e) => {
      const p = { ...(e.query || {}), ...(e.body || {}) };
      delete p.access_token;
      delete p.appsecret_proof;
      return mask(p);
    });
}

/* v with every Graph id (15+ digits) replaced by "ID", and the quota
 * counters, which grow with each publish, left out. */
function mask(v) {
  if (typeof v === 'string') return v.replace(/\d{15,}/g, 'ID');
  if (Array.isArray(v)) return v.map(mask);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) {
      if (k !== 'quota_usage' && k !== 'remaining') o[k] = mask(x);
    }
    return o;
  }
  return v;
}

/* Calls the alias with its old arguments, then the merged tool with the
 * new ones: Meta must get the same container parameters and the results
 * must match but for ids.  Returns both results. */
/* Distinct idempotency keys: the two calls are the same on purpose, and
 * without keys the second would be answered from the first. */
let keyN = 0;
async function sameAsMerged(alias, oldArgs, tool, newArgs, options = () => undefined) {
  await S.admin.clearRequests();
  const a = await ok(alias, { ...oldArgs, idempotency_key: `alias-${++keyN}` }, options());
  const aSent = await mediaParams();
  await S.admin.clearRequests();
  const m = await ok(tool, { ...newArgs, idempotency_key: `new-${++keyN}` }, options());
  const mSent = await mediaParams();
  assert.ok(aSent.length >= 1, `${alias} created a container`);
  assert.ok(aSent.every((x) => x.image_url || x.video_url || x.children), JSON.stringify(aSent));
  assert.deepEqual(aSent, mSent, `${alias} sends what ${tool} sends`);
  assert.deepEqual(mask(a), mask(m), `${alias} returns what ${tool} returns`);
  return { a, m };
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

test('catalog: the merged tools are listed with their annotations, the old names are not', async () => {
  const { tools } = await S.client.listTools();
  const by = new Map(tools.map((t) => [t.name, t]));
  for (const n of ['ig_create_container', 'ig_publish_container', 'ig_publish']) {
    assert.ok(by.has(n), n);
    assert.equal(by.get(n).annotations.readOnlyHint, false, n);
    assert.equal(by.get(n).annotations.destructiveHint, false, n);
    /* Publishing a container again publishes nothing more. */
    assert.equal(by.get(n).annotations.idempotentHint, n === 'ig_publish_container', n);
  }
  for (const n of ['ig_get_container_status', 'ig_get_publishing_limit']) {
    assert.equal(by.get(n).annotations.readOnlyHint, true, n);
  }
  for (const n of ALIASES) assert.equal(by.has(n), false, `${n} is not listed`);
  const pub = by.get('ig_publish');
  assert.deepEqual(pub.inputSchema.required, ['kind']);
  assert.deepEqual(pub.inputSchema.properties.kind.enum, ['image', 'reel', 'story', 'carousel']);
  const cont = by.get('ig_create_container');
  assert.deepEqual(cont.inputSchema.required, ['kind']);
  assert.deepEqual(cont.inputSchema.properties.kind.enum,
                   ['image', 'reel', 'story', 'carousel', 'carousel_item', 'auto']);
  for (const t of [pub, cont]) {
    assert.ok(t.description.length <= 1000, t.name);
    // Every array says what it holds (some clients refuse one without).
    for (const [k, p] of Object.entries(t.inputSchema.properties)) {
      if (p.type === 'array') assert.ok(p.items, `${t.name}.${k} has items`);
    }
  }
  // The one-call publisher and the old publishers' outputs are the same.
  assert.deepEqual(pub.outputSchema, by.get('ig_publish_container').outputSchema);
});

test('default toolset: ig_publish is in it and ig_publish_photo still works there', async () => {
  const D = await startSdkServer({ extraArgs: ['--toolsets', 'default'] });
  try {
    const names = (await D.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('ig_publish'));
    assert.ok(names.includes('ig_get_publishing_limit'));
    assert.equal(names.includes('ig_create_container'), false);
    for (const n of ALIASES) assert.equal(names.includes(n), false, n);
    const r = await withTimeout(D.client.callTool({ name: 'ig_publish_photo',
                                                    arguments: { image_url: IMG } }),
                                30000, 'ig_publish_photo on the default set');
    assert.notEqual(r.isError, true, textOf(r));
    assert.equal(r.structuredContent.status_code, 'PUBLISHED');
    // An alias follows its tool: ig_create_container is not in the set.
    await assert.rejects(callRaw(D.client, 'ig_create_media_container', { image_url: IMG }),
                         /not enabled.*publishing toolset.*ig_create_container/);
  } finally {
    await D.close().catch(() => {});
  }
});

test('ig_create_container: image FINISHED, a video carousel item; refused inputs', async () => {
  const c = await ok('ig_create_container', {
    kind: 'image', image_url: IMG, caption: 'Fresh glaze #ceramics @friend',
    user_tags: [{ username: 'friend', x: 0.5, y: 0.5 }], alt_text: 'A bowl',
  });
  assert.match(c.container_id, /^\d{17,18}$/);
  assert.equal(c.media_type, 'IMAGE');
  assert.equal(c.is_carousel_item, false);
  assert.equal(c.status_code, 'FINISHED');
  const item = await ok('ig_create_container', { kind: 'carousel_item', video_url: VID });
  assert.equal(item.media_type, 'VIDEO');
  assert.equal(item.is_carousel_item, true);
  assert.equal(item.status_code, 'IN_PROGRESS');
  assert.match(item.next_step, /children of ig_create_container/);
  const story = await ok('ig_create_container', { kind: 'story', video_url: VID });
  assert.equal(story.media_type, 'STORIES');

  await S.admin.clearRequests();
  const img = { kind: 'image', image_url: IMG };
  let r = await fails('ig_create_container', { kind: 'image', image_url: 'http://cdn.example.com/a.jpg' });
  assert.match(textOf(r), /image_url.*https/);
  r = await fails('ig_create_container', { kind: 'image', image_url: 'https://169.254.169.254/a.jpg' });
  assert.match(textOf(r), /private or metadata/);
  r = await fails('ig_create_container', { ...img, caption: 'é'.repeat(2201) });
  assert.match(textOf(r), /caption.*2200.*2201/);
  r = await fails('ig_create_container', { ...img, user_tags: [{ username: 'friend' }] });
  assert.match(textOf(r), /user_tags\[0\].*x and y/);
  r = await fails('ig_create_container', { ...img, user_tags: [{ name: 'friend', x: 0, y: 0 }] });
  assert.match(textOf(r), /user_tags\[0\]\.name: unknown field/);
  r = await fails('ig_create_container', { ...img, collaborators: ['a', 'b', 'c', 'd'] });
  assert.match(textOf(r), /collaborators.*3/);
  r = await fails('ig_create_container', { ...img, collaborators: ['not a name'] });
  assert.match(textOf(r), /collaborators\[0\].*username/);
  r = await fails('ig_create_container', { ...img, share_to_feed: true });
  assert.match(textOf(r), /share_to_feed is only for kind reel, not for kind image/);
  r = await fails('ig_create_container', { kind: 'story', image_url: IMG, video_url: VID });
  assert.match(textOf(r), /kind story takes exactly one of image_url and video_url/);
  r = await fails('ig_create_container', { kind: 'reel', video_url: VID, audio_name: 'x'.repeat(101) });
  assert.match(textOf(r), /audio_name.*100.*101/);
  r = await fails('ig_create_container', { kind: 'image', image_url: `${IMG}?${'a'.repeat(2048)}` });
  assert.match(textOf(r), /image_url is too long/);
  r = await fails('ig_create_container', { image_url: IMG });
  assert.match(textOf(r), /kind/);
  assert.equal((await publishPosts()).length, 0);
  const log = await S.admin.requests();
  assert.equal((Array.isArray(log) ? log : log.data).length, 0, 'refusals spend no request');
});

test('ig_create_container kind carousel: children then items, order kept; 1 and 11 refused', async () => {
  const child = await ok('ig_create_container', { kind: 'carousel_item', image_url: IMG });
  const c = await ok('ig_create_container', {
    kind: 'carousel',
    children: [child.container_id],
    items: [{ image_url: 'https://cdn.example.com/b.jpg' }],
    caption: 'Two bowls',
  });
  assert.equal(c.media_type, 'CAROUSEL');
  assert.equal(c.children.length, 2);
  assert.equal(c.children[0], child.container_id);
  assert.equal(c.status_code, 'FINISHED');
  let r = await fails('ig_create_container', { kind: 'carousel', items: [{ image_url: IMG }] });
  assert.match(textOf(r), /2 to 10.*got 1/);
  r = await fails('ig_create_container', {
    kind: 'carousel',
    children: Array(5).fill(child.container_id).map((x, i) => x.slice(0, -1) + i),
    items: Array(6).fill({ image_url: IMG }),
  });
  assert.match(textOf(r), /got 11/);
  // An item's error says which item.
  r = await fails('ig_create_container', {
    kind: 'carousel', items: [{ image_url: IMG }, { video_url: VID, alt_text: 'x' }],
  });
  assert.match(textOf(r), /items\[1\]: alt_text/);
});

test('ig_get_container_status: a container; a bad id is refused', async () => {
  const c = await ok('ig_create_container', { kind: 'image', image_url: IMG });
  const s = await ok('ig_get_container_status', { container_id: c.container_id });
  assert.equal(s.status_code, 'FINISHED');
  assert.match(s.status, /^Finished/);
  await fails('ig_get_container_status', { container_id: 'abc/../me' });
  const r = await fails('ig_get_container_status', { container_id: '99999999999999999' });
  assert.match(textOf(r), /\(#100\)|does not exist|Unsupported/);
});

test('ig_publish_container: publishes once; again reports PUBLISHED; unknown refused', async () => {
  const before0 = await usage();
  const c = await ok('ig_create_container', { kind: 'image', image_url: IMG, caption: 'two step' });
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

test('ig_publish kind image: one call with the quota; 31 hashtags refused', async () => {
  // No progress assertion here: with nothing to wait for, the SDK may
  // handle the response before the notifications that precede it.
  const p = await ok('ig_publish', { kind: 'image', image_url: IMG, caption: '#a '.repeat(30) },
                     { onprogress: () => {} });
  assert.equal(p.status_code, 'PUBLISHED');
  assert.ok(p.quota.quota_usage >= 1);
  const r = await fails('ig_publish', { kind: 'image', image_url: IMG, caption: '#a '.repeat(31) });
  assert.match(textOf(r), /hashtags.*30.*31/);
  const m = await fails('ig_publish', { kind: 'image', image_url: IMG, caption: '@u '.repeat(21) });
  assert.match(textOf(m), /@mentions.*20.*21/);
});

test('ig_publish kind reel: a slow video waits (progress) and publishes after the clock moves', async () => {
  const seen = [];
  const p = await ok('ig_publish', {
    kind: 'reel', video_url: 'https://cdn.example.com/slow-reel.mp4', caption: 'slow one',
    share_to_feed: true, thumb_offset: 1000, audio_name: 'Studio sounds',
    max_wait_seconds: 20, poll_interval_seconds: 1,
  }, advanceOnWait(seen, 700));
  assert.equal(p.status_code, 'PUBLISHED');
  assert.ok(p.media_id);
  assert.ok(seen.some((x) => /IN_PROGRESS/.test(x.message)), 'a progress note per poll');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].progress > seen[i - 1].progress);
  const r = await fails('ig_publish', { kind: 'reel', video_url: 'file:///tmp/x.mp4' });
  assert.match(textOf(r), /video_url/);
});

test('ig_publish kind reel: max_wait runs out on a slow video; nothing published', async () => {
  const u0 = await usage();
  await S.admin.clearRequests();
  const seen = [];
  const r = await fails('ig_publish', {
    kind: 'reel', video_url: 'https://cdn.example.com/slow-2.mp4', max_wait_seconds: 2,
    poll_interval_seconds: 1,
  }, { onprogress: (x) => seen.push(x), timeout: 30000 });
  assert.match(textOf(r), /still IN_PROGRESS.*Nothing was published/);
  assert.ok(seen.filter((x) => /IN_PROGRESS/.test(x.message)).length >= 2, JSON.stringify(seen));
  assert.equal((await publishPosts()).length, 0);
  assert.equal(await usage(), u0);
});

test('ig_publish kind story: an image story; an ERROR video stops with a clear error', async () => {
  const p = await ok('ig_publish', { kind: 'story', image_url: IMG });
  assert.equal(p.status_code, 'PUBLISHED');
  const u0 = await usage();
  await S.admin.clearRequests();
  const r = await fails('ig_publish', {
    kind: 'story', video_url: 'https://cdn.example.com/sandbox-error.mp4', poll_interval_seconds: 1,
  });
  assert.match(textOf(r), /failed processing.*2207026.*Nothing was published/);
  assert.equal(r.structuredContent.error.kind, 'container_error');
  assert.equal((await publishPosts()).length, 0);
  assert.equal(await usage(), u0);
  const both = await fails('ig_publish', { kind: 'story', image_url: IMG, video_url: VID });
  assert.match(textOf(both), /exactly one/);
  const collab = await fails('ig_publish', { kind: 'story', image_url: IMG, collaborators: ['a'] });
  assert.match(textOf(collab), /collaborators is only for kinds image, reel and carousel, not for kind story/);
});

test('ig_publish kind carousel: images and a video in one call; 1 item refused', async () => {
  const seen = [];
  const p = await ok('ig_publish', {
    kind: 'carousel',
    items: [{ image_url: IMG }, { video_url: VID }, { image_url: 'https://cdn.example.com/c.jpg' }],
    caption: 'Three ways', max_wait_seconds: 20, poll_interval_seconds: 1,
  }, advanceOnWait(seen, 60));
  assert.equal(p.status_code, 'PUBLISHED');
  assert.equal(p.children.length, 3);
  assert.ok(seen.some((x) => /carousel item 3 of 3/.test(x.message)));
  const r = await fails('ig_publish', { kind: 'carousel', items: [{ image_url: IMG }] });
  assert.match(textOf(r), /2 to 10/);
});

test('ig_publish: a field of another kind, or a missing one, is refused by name before any request', async () => {
  const u0 = await usage();
  await S.admin.clearRequests();
  const cases = [
    [{ kind: 'image', video_url: VID }, /video_url is only for kinds reel and story, not for kind image/],
    [{ kind: 'image' }, /image_url is required for kind image/],
    [{ kind: 'reel', image_url: IMG }, /image_url is only for kinds image and story, not for kind reel/],
    [{ kind: 'reel' }, /video_url is required for kind reel/],
    [{ kind: 'reel', video_url: VID, items: [{ image_url: IMG }] },
      /items is only for kind carousel, not for kind reel/],
    [{ kind: 'image', image_url: IMG, children: ['17000000000000001'] },
      /children is only for kind carousel, not for kind image/],
    [{ kind: 'image', image_url: IMG, thumb_offset: 5 }, /thumb_offset is only for kind reel, not for kind image/],
    [{ kind: 'story', image_url: IMG, caption: 'hi' }, /caption is only for kinds image, reel and carousel, not for kind story/],
    [{ kind: 'story' }, /kind story takes exactly one of image_url and video_url/],
    [{ kind: 'carousel', items: [{ image_url: IMG }, { image_url: IMG }], image_url: IMG },
      /image_url is only for kinds image and story, not for kind carousel/],
    [{ kind: 'carousel', items: [{ image_url: IMG }, { image_url: IMG }], user_tags: [] },
      /user_tags is only for kinds image, reel and story, not for kind carousel/],
    [{ kind: 'reel', video_url: VID, alt_text: 'x' }, /alt_text is only for kind image, not for kind reel/],
  ];
  for (const [args, re] of cases) {
    const r = await fails('ig_publish', args);
    assert.match(textOf(r), re, JSON.stringify(args));
    assert.equal(r.structuredContent.error.kind, 'invalid_argument');
  }
  // The schema: kind is required and has four values.
  let r = await fails('ig_publish', { image_url: IMG });
  assert.match(textOf(r), /\/kind: required/);
  r = await fails('ig_publish', { kind: 'photo', image_url: IMG });
  assert.match(textOf(r), /\/kind: must be one of/);
  // Through an alias the old name's kind is the one named.
  r = await fails('ig_publish_photo', { image_url: IMG, share_to_feed: true });
  assert.match(textOf(r), /share_to_feed is only for kind reel, not for kind image/);
  r = await fails('ig_publish_story', { image_url: IMG, location_id: '1' });
  assert.match(textOf(r), /location_id is only for kinds image, reel and carousel, not for kind story/);
  r = await fails('ig_create_container', { kind: 'image', image_url: IMG, media_type: 'IMAGE' });
  assert.match(textOf(r), /media_type is only for kind auto, not for kind image/);
  r = await fails('ig_create_container', { kind: 'carousel_item', image_url: IMG, collaborators: ['a'] });
  assert.match(textOf(r), /collaborators is only for kinds image, reel and carousel, not for kind carousel_item/);
  r = await fails('ig_create_container', { kind: 'auto', image_url: IMG, items: [] });
  assert.match(textOf(r), /items is only for kind carousel, not for kind auto/);
  const log = await S.admin.requests();
  const graph = (Array.isArray(log) ? log : log.data).filter((e) => e.method === 'POST');
  assert.equal(graph.length, 0, 'refusals spend no request');
  assert.equal(await usage(), u0);
});

test('aliases: the old publishers send and return what ig_publish does', async () => {
  const u0 = await usage();
  const photo = {
    image_url: IMG, caption: 'old name #glaze', user_tags: [{ username: 'friend', x: 0.2, y: 0.8 }],
    alt_text: 'A bowl', collaborators: ['potter.one'], location_id: '110000000000001',
  };
  const { a } = await sameAsMerged('ig_publish_photo', photo, 'ig_publish', { kind: 'image', ...photo });
  assert.equal(a.status_code, 'PUBLISHED');
  assert.equal(a.already_published, false);
  assert.equal(await usage(), u0 + 2, 'each call published once');

  const reel = {
    video_url: VID, caption: 'a reel', share_to_feed: false, thumb_offset: 1500,
    audio_name: 'Kiln hum', cover_url: 'https://cdn.example.com/cover.jpg',
    user_tags: [{ username: 'friend' }], max_wait_seconds: 20, poll_interval_seconds: 1,
  };
  const wait = () => advanceOnWait([], 60);
  await sameAsMerged('ig_publish_reel', reel, 'ig_publish', { kind: 'reel', ...reel }, wait);
  // Feed videos publish as reels.
  await sameAsMerged('ig_publish_video', reel, 'ig_publish', { kind: 'reel', ...reel }, wait);
  await sameAsMerged('ig_publish_story', { image_url: IMG }, 'ig_publish',
                     { kind: 'story', image_url: IMG });
  await sameAsMerged('ig_publish_story', { video_url: VID, poll_interval_seconds: 1 }, 'ig_publish',
                     { kind: 'story', video_url: VID, poll_interval_seconds: 1 }, wait);
  const car = {
    items: [{ image_url: IMG, alt_text: 'one' }, { image_url: 'https://cdn.example.com/d.jpg' }],
    caption: 'two', collaborators: ['potter.one'],
  };
  const c = await sameAsMerged('ig_publish_carousel', car, 'ig_publish', { kind: 'carousel', ...car });
  assert.equal(c.a.children.length, 2);
  assert.equal(await usage(), u0 + 12);
});

test('aliases: the old container tools send and return what ig_create_container does', async () => {
  // The old media container chose the type from the URL, media_type and
  // is_carousel_item; kind auto keeps that, and each case is the same as
  // the explicit kind.
  const cases = [
    [{ image_url: IMG, caption: 'c', alt_text: 'a' }, { kind: 'image', image_url: IMG, caption: 'c', alt_text: 'a' }, 'IMAGE'],
    [{ video_url: VID, share_to_feed: true }, { kind: 'reel', video_url: VID, share_to_feed: true }, 'REELS'],
    [{ image_url: IMG, media_type: 'IMAGE' }, { kind: 'image', image_url: IMG }, 'IMAGE'],
    [{ video_url: VID, media_type: 'REELS' }, { kind: 'reel', video_url: VID }, 'REELS'],
    [{ video_url: VID, media_type: 'STORIES' }, { kind: 'story', video_url: VID }, 'STORIES'],
    [{ image_url: IMG, media_type: 'STORIES' }, { kind: 'story', image_url: IMG }, 'STORIES'],
    [{ image_url: IMG, is_carousel_item: true }, { kind: 'carousel_item', image_url: IMG }, 'IMAGE'],
    [{ video_url: VID, is_carousel_item: true }, { kind: 'carousel_item', video_url: VID }, 'VIDEO'],
  ];
  for (const [old, now, type] of cases) {
    const { a } = await sameAsMerged('ig_create_media_container', old, 'ig_create_container', now);
    assert.equal(a.media_type, type, JSON.stringify(old));
  }
  // The old name's refusals are unchanged.
  let r = await fails('ig_create_media_container', { image_url: IMG, media_type: 'REELS' });
  assert.match(textOf(r), /media_type REELS needs video_url/);
  r = await fails('ig_create_media_container', { image_url: IMG, video_url: VID });
  assert.match(textOf(r), /exactly one/);
  r = await fails('ig_create_media_container', { image_url: IMG, is_carousel_item: true, caption: 'x' });
  assert.match(textOf(r), /carousel items take no caption/);
  r = await fails('ig_create_media_container', { image_url: IMG, share_to_feed: true });
  assert.match(textOf(r), /share_to_feed: only reels/);

  // A carousel item joins one carousel only: each call gets its own.
  const kids = [];
  for (let i = 0; i < 2; i++) {
    kids.push((await ok('ig_create_media_container', { image_url: IMG, is_carousel_item: true }))
      .container_id);
  }
  const car = (child) => ({
    children: [child], items: [{ video_url: VID }], caption: 'c', location_id: '1',
  });
  await S.admin.clearRequests();
  const a = await ok('ig_create_carousel_container', car(kids[0]));
  const aSent = await mediaParams();
  await S.admin.clearRequests();
  const m = await ok('ig_create_container', { kind: 'carousel', ...car(kids[1]) });
  assert.deepEqual(aSent, await mediaParams());
  assert.deepEqual(mask(a), mask(m));
  assert.equal(a.media_type, 'CAROUSEL');
  assert.equal(a.children[0], kids[0]);
  assert.equal(m.children[0], kids[1]);
  r = await fails('ig_create_carousel_container', { items: [{ image_url: IMG }] });
  assert.match(textOf(r), /2 to 10.*got 1/);
});

test('injected 5xx on media_publish: status checked, published exactly once', async () => {
  const u0 = await usage();
  await S.admin.fault({ kind: 'http_error', status: 500, count: 1, path: 'media_publish',
                        method: 'POST' });
  await S.admin.clearRequests();
  const p = await ok('ig_publish', { kind: 'image', image_url: IMG, caption: 'after a 5xx' });
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
  const p = await ok('ig_publish', { kind: 'image', image_url: IMG, caption: 'sandbox-lost-answer' });
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
  const r = await fails('ig_publish', { kind: 'image', image_url: IMG });
  const g = r.structuredContent.error.graph;
  assert.equal(g.code, 9);
  assert.equal(g.subcode, 2207042);
  const after1 = await ok('ig_get_publishing_limit', {});
  assert.equal(after1.remaining, 0);
});
