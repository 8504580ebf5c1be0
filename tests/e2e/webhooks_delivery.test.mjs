// SPDX-License-Identifier: MIT
//
// webhooks_delivery.test.mjs: the webhook subscription tools through the
// official SDK client against `igmcp serve --sandbox`, both logins, and
// the sandbox delivering signed webhooks to a receiver on 127.0.0.1:
// ig_subscribe_webhooks turns deliveries on (the account's
// /subscribed_apps on the login's host), ig_list_webhook_subscriptions
// shows it, ig_unsubscribe_webhooks turns them off again.  Also checks
// that `serve --sandbox --http` points the sandbox at its own /webhook.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import {
  assertNoSecrets, callRaw, sandboxSecrets, startHttpServer, startSdkServer,
  textOf, waitFor, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const APP_SECRET = secrets.SANDBOX_APP_SECRET;
const TOOLS = ['ig_subscribe_webhooks', 'ig_list_webhook_subscriptions', 'ig_unsubscribe_webhooks'];
let S;   // Instagram Login
let F;   // Facebook Login
let rx;  // the receiver: {url, posts: [{body, sig, ok}], close()}

async function ok(s, name, args = {}) {
  const r = await withTimeout(s.client.callTool({ name, arguments: args }), 30000, name);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

/* A webhook receiver that checks X-Hub-Signature-256 like Meta's docs ask. */
function startReceiver() {
  return new Promise((resolve) => {
    const posts = [];
    const srv = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const sig = req.headers['x-hub-signature-256'] || '';
        const want = 'sha256=' + createHmac('sha256', APP_SECRET).update(body).digest('hex');
        posts.push({ body: body.toString('utf8'), sig, ok: sig === want });
        res.writeHead(200).end();
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${srv.address().port}/hook`, posts,
                close: () => new Promise((r) => srv.close(r)) });
    });
  });
}

before(async () => {
  S = await startSdkServer({ extraArgs: ['--toolsets', 'all'] });
  F = await startSdkServer({ extraArgs: ['--toolsets', 'all', '--login', 'facebook'] });
  rx = await startReceiver();
});

after(async () => {
  for (const s of [S, F]) {
    if (!s) continue;
    await s.close();
    assertNoSecrets(s.stdout() + s.stderr(), secrets, 'server output');
  }
  if (rx) await rx.close();
});

test('the three tools are listed in the inbox toolset with their hints', async () => {
  const { tools } = await S.client.listTools();
  const by = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const n of TOOLS) assert.ok(by[n], `${n} is listed`);
  assert.equal(by.ig_list_webhook_subscriptions.annotations.readOnlyHint, true);
  assert.equal(by.ig_subscribe_webhooks.annotations.idempotentHint, true);
  assert.notEqual(by.ig_subscribe_webhooks.annotations.destructiveHint, true);
  assert.equal(by.ig_unsubscribe_webhooks.annotations.destructiveHint, true);
});

test('Instagram Login: subscribe, deliveries arrive signed, unsubscribe stops them', async () => {
  await S.admin.post('webhooks', { callback_url: rx.url, batch_ms: 5 });
  await S.admin.clearRequests();
  let l = await ok(S, 'ig_list_webhook_subscriptions');
  assert.equal(l.subscribed, false);
  assert.equal(l.login, 'instagram');

  const sub = await ok(S, 'ig_subscribe_webhooks');
  assert.equal(sub.success, true);
  assert.ok(sub.subscribed_fields.includes('messages'));
  assert.ok(sub.subscribed_fields.includes('comments'));
  const reqs = await S.admin.requests();
  const post = reqs.find((r) => r.method === 'POST' && /subscribed_apps/.test(r.path));
  assert.equal(post.host, 'graph.instagram.com');
  assert.match(post.path, /\/me\/subscribed_apps$/);

  l = await ok(S, 'ig_list_webhook_subscriptions');
  assert.equal(l.subscribed, true);
  assert.equal(l.count, 1);
  assert.deepEqual(l.subscriptions[0].subscribed_fields, sub.subscribed_fields);

  const before = rx.posts.length;
  const conv = (await S.admin.conversations())[0];
  const m = await S.admin.inbound({ user_id: conv.user_id, text: 'e2e: webhook 👋' });
  await S.admin.post('comment', { username: 'e2e.viewer', text: 'Lovely glaze' });
  await S.admin.post('webhooks/flush', { timeout_ms: 10000 });
  await waitFor(() => rx.posts.length > before, { what: 'a delivery' });
  const got = rx.posts.slice(before);
  assert.ok(got.every((p) => p.ok), 'every delivery is signed with the app secret');
  const all = got.flatMap((p) => JSON.parse(p.body).entry);
  const msg = all.find((e) => e.messaging)?.messaging[0];
  assert.equal(msg.message.mid, m.message_id);
  assert.equal(msg.message.text, 'e2e: webhook 👋');
  assert.equal(msg.sender.id, conv.user_id);
  const change = all.find((e) => e.changes)?.changes[0];
  assert.equal(change.field, 'comments');
  assert.equal(change.value.text, 'Lovely glaze');

  const un = await ok(S, 'ig_unsubscribe_webhooks');
  assert.equal(un.success, true);
  l = await ok(S, 'ig_list_webhook_subscriptions');
  assert.equal(l.subscribed, false);
  const n = rx.posts.length;
  await S.admin.inbound({ user_id: conv.user_id, text: 'e2e: not delivered' });
  await S.admin.post('webhooks/flush', { timeout_ms: 10000 });
  assert.equal(rx.posts.length, n, 'nothing is delivered after unsubscribing');
  const state = await S.admin.get('webhooks');
  assert.ok(state.deliveries.every((d) => d.state === 'delivered'));
});

test('Facebook Login: the Page subscribes with Page fields on graph.facebook.com', async () => {
  await F.admin.clearRequests();
  const sub = await ok(F, 'ig_subscribe_webhooks');
  assert.equal(sub.login, 'facebook');
  assert.ok(sub.subscribed_fields.includes('feed'));
  const reqs = await F.admin.requests();
  const post = reqs.find((r) => r.method === 'POST' && /subscribed_apps/.test(r.path));
  assert.equal(post.host, 'graph.facebook.com');

  const custom = await ok(F, 'ig_subscribe_webhooks', { fields: ['messages'] });
  assert.deepEqual(custom.subscribed_fields, ['messages']);
  const l = await ok(F, 'ig_list_webhook_subscriptions');
  assert.equal(l.subscribed, true);
  assert.deepEqual(l.subscriptions[0].subscribed_fields, ['messages']);

  const bad = await callRaw(F.client, 'ig_subscribe_webhooks', { fields: ['comments'] });
  assert.equal(bad.isError, true);
  assert.match(textOf(bad), /subscribed_fields/);
  const bad2 = await callRaw(F.client, 'ig_subscribe_webhooks', { fields: ['Not A Field'] });
  assert.equal(bad2.isError, true);

  await ok(F, 'ig_unsubscribe_webhooks');
  assert.equal((await ok(F, 'ig_list_webhook_subscriptions')).subscribed, false);
});

test('serve --sandbox --http points the sandbox at its own /webhook', async () => {
  const H = await startHttpServer({ connect: false });
  try {
    const state = await H.admin.get('webhooks');
    assert.equal(state.callback_url, H.url.replace(/\/mcp$/, '/webhook'));
    assert.equal(state.app_secret_set, true);
    assert.equal(JSON.stringify(state).includes(APP_SECRET), false);
  } finally {
    await H.close();
  }
});
