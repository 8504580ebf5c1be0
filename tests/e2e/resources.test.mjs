// SPDX-License-Identifier: MIT
//
// resources.test.mjs: the official MCP TypeScript SDK client reads the
// inbox store's conversations as resources over stdio: the capability,
// resources/list, resources/templates/list, resources/read (and not
// found), resources/subscribe and unsubscribe; then over Streamable HTTP,
// a legacy session and 2026-07-28 requests (caching hints, -32602 not
// found, resourceSubscriptions acknowledged on subscriptions/listen).
//
// Nothing in `serve --sandbox` writes the store yet, so the store is a
// --db file filled before the server starts by the store_fill helper
// (tests/helpers/store_fill.c, IGMCP_STORE_FILL), for a fixed numeric
// account id given as IG_USER_ID.  That a store change reaches a
// subscriber as notifications/resources/updated is tested in-process by
// tests/unit/test_mcp_resources.c, where the test can publish a change.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startHttpServer, startSdkServer, withTimeout } from './lib.mjs';

const FILL = process.env.IGMCP_STORE_FILL;
const ACC = '17841400000000001';
const SCHEME = 'instagram://conversations/';
const DAY = 24 * 3600 * 1000;

let dir;
let db;
let S;

/* A Graph backfill message from user (or from us when out) at ms. */
function msg(id, user, username, ms, text, out = false) {
  const them = { id: user, username };
  const us = { id: ACC, username: 'our_shop' };
  return {
    id,
    created_time: new Date(ms).toISOString().replace(/\.\d+Z$/, '+0000'),
    from: out ? us : them,
    to: { data: [out ? them : us] },
    message: text,
  };
}

before(async () => {
  assert.ok(FILL, 'IGMCP_STORE_FILL names the store_fill helper');
  dir = mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'igmcp-res-'));
  db = path.join(dir, 'inbox.db');
  const t0 = Date.now() - 2 * 3600 * 1000;
  const long = [];
  for (let i = 0; i < 25; i++) {
    long.push(msg(`m-long-${i}`, '5001', 'longtalker', t0 + i * 1000, `message ${i}`, i % 2 === 1));
  }
  const convs = [
    { user_id: '5001', messages: long, inbound_ms: t0 + 24000 },
    { user_id: '5002', graph_id: 'aWdfZAG06E2E', inbound_ms: t0 - 3 * DAY,
      messages: [msg('m-old', '5002', 'quiet', t0 - 3 * DAY, 'see you \u202enoom')] },
    { user_id: '5003', messages: [msg('m-new', '5003', 'newest', t0 + 60000, 'latest news')],
      inbound_ms: t0 + 60000 },
  ];
  execFileSync(FILL, [db, ACC], { input: JSON.stringify(convs) });
  S = await startSdkServer({ extraArgs: ['--db', db], env: { IG_USER_ID: ACC } });
});

after(async () => {
  if (S) await S.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof McpError, `expected an McpError, got ${e}`);
    return e;
  }
  assert.fail('expected a JSON-RPC error');
}

test('the resources capability: subscribe, no listChanged', () => {
  const caps = S.client.getServerCapabilities();
  assert.deepEqual(caps.resources, { subscribe: true, listChanged: false });
});

test('resources/list: every stored conversation, newest activity first', async () => {
  const r = await withTimeout(S.client.listResources(), 15000, 'resources/list');
  assert.equal(r.nextCursor, undefined);
  assert.deepEqual(r.resources.map((x) => x.uri), ['5003', '5001', '5002'].map((u) => SCHEME + u));
  const newest = r.resources[0];
  assert.equal(newest.name, '@newest');
  assert.equal(newest.mimeType, 'application/json');
  assert.match(newest.description, /latest news/);
  assert.match(newest.description, /window open/);
  assert.match(newest.annotations.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const quiet = r.resources[2];
  assert.match(quiet.description, /window human_agent/);
  // Third-party text is cleaned: the right-to-left override is gone.
  assert.ok(!quiet.description.includes('\u202e'));
  assert.match(quiet.description, /see you noom/);
});

test('resources/templates/list: instagram://conversations/{id}', async () => {
  const r = await S.client.listResourceTemplates();
  assert.equal(r.resourceTemplates.length, 1);
  assert.equal(r.resourceTemplates[0].uriTemplate, `${SCHEME}{id}`);
  assert.equal(r.resourceTemplates[0].mimeType, 'application/json');
});

test('resources/read: the conversation and its messages, by user id or Graph id', async () => {
  const r = await S.client.readResource({ uri: `${SCHEME}5001` });
  assert.equal(r.contents.length, 1);
  assert.equal(r.contents[0].uri, `${SCHEME}5001`);
  assert.equal(r.contents[0].mimeType, 'application/json');
  const doc = JSON.parse(r.contents[0].text);
  assert.equal(doc.conversation.user_id, '5001');
  assert.equal(doc.conversation.username, 'longtalker');
  assert.equal(doc.messages.length, 25);
  assert.equal(doc.messages[0].text, 'message 0');
  assert.equal(doc.messages[24].text, 'message 24');
  assert.equal(doc.messages[1].direction, 'out');
  const g = await S.client.readResource({ uri: `${SCHEME}aWdfZAG06E2E` });
  assert.equal(JSON.parse(g.contents[0].text).conversation.user_id, '5002');
});

test('resources/read of an unknown resource: -32002 with data.uri', async () => {
  for (const uri of [`${SCHEME}999999`, 'test://nothing', `${SCHEME}bad/slash`]) {
    const e = await rpcError(S.client.readResource({ uri }));
    assert.equal(e.code, -32002, uri);
    assert.equal(e.data.uri, uri);
  }
});

test('resources/subscribe and unsubscribe answer {}; a foreign URI is refused', async () => {
  assert.deepEqual(await S.client.subscribeResource({ uri: `${SCHEME}5001` }), {});
  assert.deepEqual(await S.client.subscribeResource({ uri: `${SCHEME}aWdfZAG06E2E` }), {});
  assert.deepEqual(await S.client.unsubscribeResource({ uri: `${SCHEME}5001` }), {});
  assert.deepEqual(await S.client.unsubscribeResource({ uri: `${SCHEME}5001` }), {});
  const e = await rpcError(S.client.subscribeResource({ uri: 'test://watched-resource' }));
  assert.equal(e.code, -32002);
});

test('without a store (--db off) there are no resources', async () => {
  const s = await startSdkServer({ extraArgs: ['--db', 'off'] });
  try {
    assert.equal(s.client.getServerCapabilities().resources, undefined);
    const e = await rpcError(s.client.listResources());
    assert.equal(e.code, -32601);
  } finally {
    await s.close();
  }
});

test('HTTP: a legacy session and 2026-07-28 requests', async () => {
  const H = await startHttpServer({ extraArgs: ['--db', db], env: { IG_USER_ID: ACC } });
  const V = '2026-07-28';
  const META = {
    'io.modelcontextprotocol/protocolVersion': V,
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const post = async (method, params, extra = {}) => {
    const res = await fetch(H.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': V,
        'Mcp-Method': method,
        ...extra,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { _meta: META, ...params } }),
    });
    return { status: res.status, body: await res.text() };
  };
  try {
    assert.deepEqual(H.client.getServerCapabilities().resources, { subscribe: true, listChanged: false });
    const list = await H.client.listResources();
    assert.equal(list.resources.length, 3);
    assert.deepEqual(await H.client.subscribeResource({ uri: `${SCHEME}5003` }), {});
    const read = await H.client.readResource({ uri: `${SCHEME}5003` });
    assert.equal(JSON.parse(read.contents[0].text).messages[0].text, 'latest news');

    let r = await post('resources/list', {});
    assert.equal(r.status, 200);
    let m = JSON.parse(r.body);
    assert.equal(m.result.resultType, 'complete');
    assert.equal(m.result.ttlMs, 0);
    assert.equal(m.result.cacheScope, 'private');
    assert.equal(m.result.resources.length, 3);
    r = await post('resources/read', { uri: `${SCHEME}5002` }, { 'Mcp-Name': `${SCHEME}5002` });
    m = JSON.parse(r.body);
    assert.equal(JSON.parse(m.result.contents[0].text).conversation.user_id, '5002');
    r = await post('resources/read', { uri: `${SCHEME}0` }, { 'Mcp-Name': `${SCHEME}0` });
    m = JSON.parse(r.body);
    assert.equal(m.error.code, -32602);
    assert.equal(m.error.data.uri, `${SCHEME}0`);
    r = await post('resources/templates/list', {});
    m = JSON.parse(r.body);
    assert.equal(m.result.cacheScope, 'public');
    // resources/subscribe is not part of 2026-07-28: 404.
    r = await post('resources/subscribe', { uri: `${SCHEME}5003` });
    assert.equal(r.status, 404);

    // subscriptions/listen: the acknowledgement lists the URIs watched.
    const ac = new AbortController();
    const res = await fetch(H.url, {
      method: 'POST',
      signal: ac.signal,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'text/event-stream',
        'MCP-Protocol-Version': V,
        'Mcp-Method': 'subscriptions/listen',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'L1', method: 'subscriptions/listen',
                             params: { _meta: META,
                                       notifications: { resourceSubscriptions: [`${SCHEME}5001`, 'x://y'] } } }),
    });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    let text = '';
    while (!text.includes('acknowledged')) {
      const { value, done } = await withTimeout(reader.read(), 10000, 'the listen acknowledgement');
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    const ack = JSON.parse(text.split('\n').find((l) => l.startsWith('data:') && l.includes('acknowledged')).slice(5));
    assert.deepEqual(ack.params.notifications, { resourceSubscriptions: [`${SCHEME}5001`] });
    assert.equal(ack.params._meta['io.modelcontextprotocol/subscriptionId'], 'L1');
    ac.abort();
  } finally {
    const exit = await H.close();
    assert.equal(exit.code, 0, `the server exits 0 on SIGTERM: ${H.stderr().slice(-300)}`);
  }
});
