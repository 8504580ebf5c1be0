// SPDX-License-Identifier: MIT
//
// insights.test.mjs: the insights toolset through the official SDK client
// against `igmcp serve --sandbox`, with Instagram Login and Facebook Login:
// media insights per media kind (post, reel, story), account insights in
// the time-series and total-value shapes, demographics, and the local
// refusals (deprecated metrics naming their replacement, invalid metrics,
// breakdown, period, metric_type and since/until combinations) that never
// reach the Graph API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoSecrets, callRaw, sandboxSecrets, startSdkServer, textOf, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const sessions = [];
let I;            // Instagram Login session
let F;            // Facebook Login session
const media = {}; // feed, reel, story: a media id of each kind

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
  return r.structuredContent;
}

async function fails(s, name, args, re) {
  const r = await withTimeout(callRaw(s.client, name, args), 30000, `${name} (expected to fail)`);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail, got ${textOf(r).slice(0, 300)}`);
  if (re) assert.match(textOf(r), re);
  return r;
}

/* A local refusal: an error and no Graph request at all. */
async function refusedLocally(s, name, args, re) {
  await s.admin.clearRequests();
  await fails(s, name, args, re);
  assert.deepEqual(await s.admin.requests(), [], `${name} ${JSON.stringify(args)} reached the Graph API`);
}

/* GET on the sandbox with the Instagram Login token (never printed). */
async function graphGet(s, path) {
  const sep = path.includes('?') ? '&' : '?';
  const res = await fetch(`${s.admin.url}/v25.0/${path}${sep}access_token=${encodeURIComponent(secrets.SANDBOX_IG_TOKEN)}`,
                          { signal: AbortSignal.timeout(10000) });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  I = await start();
  F = await start({ extraArgs: ['--login', 'facebook'] });
  const fields = 'id,media_type,media_product_type';
  const all = [];
  for (const edge of ['media', 'stories']) {
    const { status, body } = await graphGet(I, `me/${edge}?fields=${fields}&limit=100`);
    assert.equal(status, 200, JSON.stringify(body));
    all.push(...body.data);
  }
  media.feed = all.find((m) => m.media_product_type === 'FEED' && m.media_type === 'IMAGE')?.id;
  media.reel = all.find((m) => m.media_product_type === 'REELS')?.id;
  media.story = all.find((m) => m.media_product_type === 'STORY')?.id;
  assert.ok(media.feed, 'the world has an image post');
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

test('ig_get_media_insights: a post, deterministic lifetime values', async () => {
  const args = { media_id: media.feed, metrics: ['views', 'reach', 'likes', 'saved'] };
  const r = await ok(I, 'ig_get_media_insights', args);
  assert.equal(r.media_id, media.feed);
  assert.deepEqual(r.metrics.map((m) => m.name), args.metrics);
  for (const m of r.metrics) {
    assert.equal(m.period, 'lifetime');
    assert.equal(typeof m.value, 'number');
  }
  assert.deepEqual((await ok(I, 'ig_get_media_insights', args)).metrics, r.metrics, 'same answer twice');
  const fb = await ok(F, 'ig_get_media_insights', args);
  assert.deepEqual(fb.metrics, r.metrics, 'same values on graph.facebook.com');
});

test('ig_get_media_insights: reels and stories have their own metrics', async (t) => {
  if (!media.reel || !media.story) return t.skip('no reel or story in this world');
  const reel = await ok(I, 'ig_get_media_insights',
                        { media_id: media.reel, metrics: ['views', 'ig_reels_avg_watch_time', 'reels_skip_rate'] });
  assert.equal(reel.metrics.length, 3);
  const nav = await ok(I, 'ig_get_media_insights',
                       { media_id: media.story, metrics: ['navigation'], breakdown: 'story_navigation_action_type' });
  const tv = nav.metrics[0].total_value;
  assert.deepEqual(tv.breakdowns[0].dimension_keys, ['story_navigation_action_type']);
  const keys = tv.breakdowns[0].results.map((x) => x.dimension_values[0]).sort();
  assert.deepEqual(keys, ['SWIPE_FORWARD', 'TAP_BACK', 'TAP_EXIT', 'TAP_FORWARD']);
  assert.equal(tv.breakdowns[0].results.reduce((a, x) => a + x.value, 0), tv.value);
  // A story metric on a post: Meta's own error, passed on.
  await fails(I, 'ig_get_media_insights', { media_id: media.feed, metrics: ['replies'] },
              /metric\[0\] must be one of the following values/);
});

test('ig_get_media_insights: deprecated metrics are refused with the replacement', async () => {
  const cases = [
    ['impressions', /use views instead/],
    ['plays', /use views instead/],
    ['video_views', /use views instead/],
    ['clips_replays_count', /use views instead/],
    ['ig_reels_aggregated_all_plays_count', /use views instead/],
    ['taps_forward', /navigation with breakdown story_navigation_action_type/],
    ['taps_back', /navigation with breakdown story_navigation_action_type/],
    ['exits', /navigation with breakdown story_navigation_action_type/],
    ['engagement', /use total_interactions instead/],
    ['clicks', /profile_activity/],
  ];
  for (const [metric, re] of cases) {
    await refusedLocally(I, 'ig_get_media_insights', { media_id: media.feed, metrics: ['reach', metric] }, re);
  }
  await refusedLocally(I, 'ig_get_media_insights', { media_id: media.feed, metrics: ['bogus'] },
                       /not a media insights metric/);
  await refusedLocally(I, 'ig_get_media_insights',
                       { media_id: media.feed, metrics: ['reach'], breakdown: 'action_type' },
                       /breakdown action_type works only with the metric profile_activity/);
  await refusedLocally(I, 'ig_get_media_insights', { media_id: media.feed, metrics: ['reach'], period: 'day' });
  await refusedLocally(I, 'ig_get_media_insights', { media_id: 'DUTi4n4D9wg', metrics: ['reach'] });
});

test('sandbox: Meta\'s impressions errors by media kind', async () => {
  const a = await graphGet(I, `${media.feed}/insights?metric=impressions`);
  assert.equal(a.status, 400);
  assert.match(a.body.error.message, /Starting from version v22.0 and above, the impressions metric is no longer supported/);
  if (media.reel) {
    const b = await graphGet(I, `${media.reel}/insights?metric=impressions`);
    assert.match(b.body.error.message, /does not support the impressions metric for this media product type/);
  }
  const c = await graphGet(I, `me/insights?metric=views,likes&period=day`);
  assert.equal(c.status, 400);
  assert.match(c.body.error.message, /The following metrics \(views,likes\) should be specified with parameter metric_type=total_value/);
});

test('ig_get_account_insights: time series over since/until', async () => {
  const now = (await I.admin.get('state')).now;
  const r = await ok(I, 'ig_get_account_insights', {
    metrics: ['reach', 'follower_count'], period: 'day',
    since: String(now - 7 * 86400), until: String(now),
  });
  assert.deepEqual(r.metrics.map((m) => m.name), ['reach', 'follower_count']);
  for (const m of r.metrics) {
    assert.equal(m.period, 'day');
    assert.ok(m.values.length >= 7 && m.values.length <= 8, `${m.values.length} days`);
    for (const v of m.values) {
      assert.equal(typeof v.value, 'number');
      assert.match(v.end_time, /^\d{4}-\d\d-\d\dT07:00:00\+0000$/);
    }
  }
  assert.equal(r.metrics[0].title, 'Accounts reached');
});

test('ig_get_account_insights: total_value with a breakdown, both logins', async () => {
  for (const s of [I, F]) {
    const r = await ok(s, 'ig_get_account_insights', {
      metrics: ['views', 'reach'], metric_type: 'total_value', breakdown: 'media_product_type',
    });
    for (const m of r.metrics) {
      assert.equal(typeof m.total_value.value, 'number');
      const b = m.total_value.breakdowns[0];
      assert.deepEqual(b.dimension_keys, ['media_product_type']);
      assert.equal(b.results.reduce((a, x) => a + x.value, 0), m.total_value.value);
    }
  }
  const reqs = (await F.admin.requests()).filter((q) => q.path.endsWith('/insights'));
  assert.ok(reqs.length > 0 && reqs.every((q) => q.host === 'graph.facebook.com' && !q.path.includes('me/')));
});

test('ig_get_account_insights: demographics need lifetime, timeframe and a breakdown', async () => {
  const r = await ok(I, 'ig_get_account_insights', {
    metrics: ['follower_demographics'], period: 'lifetime', metric_type: 'total_value',
    timeframe: 'this_month', breakdown: 'country',
  });
  const b = r.metrics[0].total_value.breakdowns[0];
  assert.deepEqual(b.dimension_keys, ['timeframe', 'country']);
  assert.equal(b.results[0].dimension_values[0], 'THIS_MONTH');
  await refusedLocally(I, 'ig_get_account_insights', {
    metrics: ['follower_demographics'], period: 'lifetime', metric_type: 'total_value', breakdown: 'country',
  }, /timeframe: follower_demographics needs timeframe/);
  await refusedLocally(I, 'ig_get_account_insights', {
    metrics: ['follower_demographics'], period: 'day', metric_type: 'total_value',
    timeframe: 'this_week', breakdown: 'age',
  }, /needs period lifetime/);
});

test('ig_get_account_insights: invalid combinations are refused locally', async () => {
  const now = (await I.admin.get('state')).now;
  const cases = [
    [{ metrics: ['views'] }, /set metric_type to total_value/],
    [{ metrics: ['likes', 'reach'], period: 'day' }, /likes is reported only as a total/],
    [{ metrics: ['follower_count'], metric_type: 'total_value' }, /only as a time series/],
    [{ metrics: ['views'], metric_type: 'total_value', period: 'week' }, /views supports period day/],
    [{ metrics: ['reach'], breakdown: 'media_product_type' }, /breakdown: needs metric_type total_value/],
    [{ metrics: ['reach'], metric_type: 'total_value', breakdown: 'age' }, /does not support breakdown age/],
    [{ metrics: ['reach'], timeframe: 'this_week' }, /timeframe: only for the demographics/],
    [{ metrics: ['reach'], since: String(now - 31 * 86400), until: String(now) }, /at most 30 days apart/],
    [{ metrics: ['reach'], since: String(now), until: String(now - 3600) }, /since must be before until/],
    [{ metrics: ['reach'], since: 'yesterday' }, /since: "yesterday" is not/],
    [{ metrics: ['impressions'] }, /use views instead/],
    [{ metrics: ['profile_views'] }, /profile_links_taps/],
    [{ metrics: ['website_clicks'] }, /profile_links_taps with breakdown contact_button_type/],
    [{ metrics: ['reach'], period: 'hour' }, null],
    [{ metrics: [] }, null],
  ];
  for (const [args, re] of cases) await refusedLocally(I, 'ig_get_account_insights', args, re);
});

test('ig_get_account_insights: dates as YYYY-MM-DD', async () => {
  const now = (await I.admin.get('state')).now;
  const day = (t) => new Date(t * 1000).toISOString().slice(0, 10);
  const r = await ok(I, 'ig_get_account_insights', {
    metrics: ['reach'], since: day(now - 3 * 86400), until: day(now),
  });
  assert.ok(r.metrics[0].values.length >= 3);
});
