// SPDX-License-Identifier: MIT
//
// sync.test.mjs: ig_sync_inbox through the official SDK client against
// `igmcp serve --sandbox --db FILE`, the store read back with the sqlite3
// shell.  Facebook Login: 60 seeded conversations of 30 messages pulled
// with batches (request count checked against the sandbox's log), history
// past Meta's 20 kept, a re-run costing only the listing, a re-run after
// three new messages pulling exactly those three conversations.
// Instagram Login (no batch API): a run stopped by max_conversations
// resumes where it stopped and pulls no conversation twice; a cancelled
// run stops making requests and the next one finishes; progress
// notifications arrive.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  assertNoSecrets, sandboxSecrets, startSdkServer, textOf, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const base = process.env.XDG_STATE_HOME || os.tmpdir();
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(path.join(base, 'sync-e2e-'));
const fbDb = path.join(dir, 'fb.db');
const igDb = path.join(dir, 'ig.db');
let F;  // Facebook Login
let S;  // Instagram Login
let seeded;

function sql(db, q) {
  return execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
}

async function sync(s, args = {}, opts = {}) {
  const r = await withTimeout(
    s.client.callTool({ name: 'ig_sync_inbox', arguments: args }, CallToolResultSchema,
                      { timeout: 120000, ...opts }),
    130000, 'ig_sync_inbox');
  assert.notEqual(r.isError, true, `ig_sync_inbox failed: ${textOf(r)}`);
  return r.structuredContent;
}

function convMessages(db, graphId, where = '1') {
  return Number(sql(db, `SELECT count(*) FROM messages m JOIN conversations c
    ON c.id = m.conversation_id WHERE c.graph_id = '${graphId}' AND ${where}`));
}

before(async () => {
  F = await startSdkServer({ extraArgs: ['--login', 'facebook', '--db', fbDb] });
  S = await startSdkServer({ extraArgs: ['--db', igDb] });
  seeded = await F.admin.post('seed', { count: 60, messages: 30, prefix: 'e2e' });
  assert.equal(seeded.conversation_ids.length, 60);
});

after(async () => {
  for (const s of [F, S]) {
    if (!s) continue;
    await s.close();
    assertNoSecrets(s.stdout() + s.stderr(), secrets, 'server output');
  }
  rmSync(dir, { recursive: true, force: true });
});

test('first run: every conversation, older pages in batches of 50 at most', async () => {
  const inbox = (await F.admin.conversations()).filter((c) => c.folder === 'inbox');
  await F.admin.clearRequests();
  const seen = [];
  const r = await sync(F, {}, { onprogress: (p) => seen.push(p) });
  assert.equal(r.done, true);
  assert.equal(r.failed, 0);
  assert.equal(r.conversations_updated, inbox.length);
  assert.ok(r.messages_new >= 60 * 30, JSON.stringify(r));
  // 60 conversations need their older page: one full batch of 50, one of
  // the rest (pending conversations of several listing pages share).
  assert.ok(r.batches >= 2 && r.batches <= 3, `batches: ${r.batches}`);
  assert.equal(r.graph_requests, r.pages + r.batches);
  // The sandbox saw exactly these requests: listing GETs and batch POSTs
  // (the account id lookup aside), no batch above 50.
  const log = await F.admin.requests();
  const lists = log.filter((e) => e.method === 'GET' && /\/conversations$/.test(e.path));
  const posts = log.filter((e) => e.method === 'POST');
  assert.equal(lists.length, r.pages);
  assert.equal(posts.length, r.batches);
  assert.equal(JSON.parse(posts[0].body.batch).length, 50);
  for (const p of posts) {
    const items = JSON.parse(p.body.batch);
    assert.ok(items.length >= 1 && items.length <= 50);
    assert.match(items[0].relative_url, /^v\d+\.\d+\/[A-Za-z0-9_-]+\/messages\?fields=/);
  }
  // Progress notifications, increasing, naming the sync.
  assert.ok(seen.some((p) => /^sync: /.test(p.message || '')), JSON.stringify(seen.slice(0, 3)));
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].progress > seen[i - 1].progress);
  // Every message of a seeded conversation is stored; Meta details the
  // newest 20 only, so 20 carry text.
  const id = seeded.conversation_ids[7];
  assert.equal(convMessages(fbDb, id), 30);
  assert.equal(convMessages(fbDb, id, 'm.text IS NOT NULL'), 20);
  assert.equal(Number(sql(fbDb, "SELECT count(*) FROM sync_state WHERE key LIKE 'conv:%'")),
               inbox.length);
});

test('re-run with nothing changed: the listing only, nothing pulled', async () => {
  const inbox = (await F.admin.conversations()).filter((c) => c.folder === 'inbox');
  await F.admin.clearRequests();
  const r = await sync(F);
  assert.equal(r.done, true);
  assert.equal(r.conversations_updated, 0);
  assert.equal(r.conversations_unchanged, inbox.length);
  assert.equal(r.messages_new, 0);
  assert.equal(r.pages, Math.ceil(inbox.length / 25));
  assert.equal(r.graph_requests, r.pages);
  assert.equal(r.batches, 0);
  const log = await F.admin.requests();
  assert.equal(log.filter((e) => /messages/.test(e.path) || e.method === 'POST').length, 0);
});

test('re-run after 3 new messages: exactly those conversations; history past 20 kept', async () => {
  const convs = await F.admin.conversations();
  const ids = [seeded.conversation_ids[10], seeded.conversation_ids[30], seeded.conversation_ids[59]];
  for (const id of ids) {
    const c = convs.find((x) => x.id === id);
    await F.admin.inbound({ user_id: c.user_id, text: `e2e: new message for ${id.slice(-6)}` });
  }
  await F.admin.clearRequests();
  const r = await sync(F);
  assert.equal(r.done, true);
  assert.equal(r.conversations_updated, 3);
  assert.equal(r.messages_new, 3);
  // The listing's inlined 20 reach back to the last pull: no more requests.
  assert.equal(r.graph_requests, r.pages, JSON.stringify(r));
  assert.equal(r.batches, 0);
  for (const id of ids) {
    assert.equal(convMessages(fbDb, id), 31);
    // Meta now details only the newest 20; the store still has the text
    // of the one that dropped out of that window.
    assert.equal(convMessages(fbDb, id, 'm.text IS NOT NULL'), 21);
  }
  assert.equal(convMessages(fbDb, ids[0], "m.text LIKE 'e2e: new message%'"), 1);
});

test('full: pulls everything again, nothing new', async () => {
  const r = await sync(F, { full: true });
  assert.equal(r.done, true);
  assert.equal(r.messages_new, 0);
  assert.ok(r.messages_refreshed >= 60 * 31);
  assert.equal(r.full, true);
});

test('Instagram Login: stopped by max_conversations, resumed, nothing pulled twice', async () => {
  await S.admin.post('seed', { count: 30, messages: 25, prefix: 'igseed' });
  const inbox = (await S.admin.conversations()).filter((c) => c.folder === 'inbox');
  await S.admin.clearRequests();
  const a = await sync(S, { max_conversations: 10 });
  assert.equal(a.done, false);
  assert.equal(a.conversations_updated, 10);
  assert.equal(a.batches, 0);
  const b = await sync(S, { max_conversations: 20 });
  assert.equal(b.done, false);
  assert.equal(b.conversations_updated, 20);
  assert.ok(b.cursor, 'stopped past the first page: a cursor');
  const c = await sync(S);
  assert.equal(c.done, true);
  assert.equal(a.conversations_updated + b.conversations_updated + c.conversations_updated,
               inbox.length);
  assert.equal(Number(sql(igDb, 'SELECT count(*) FROM messages')),
               a.messages_new + b.messages_new + c.messages_new);
  assert.ok(Number(sql(igDb, 'SELECT count(*) FROM messages')) >= 30 * 25);
  // No batch POSTs on graph.instagram.com.
  const log = await S.admin.requests();
  assert.equal(log.filter((e) => e.method === 'POST').length, 0);
  // restart: starts from the top again, still nothing to pull.
  const d = await sync(S, { restart: true });
  assert.equal(d.done, true);
  assert.equal(d.conversations_updated, 0);
});

test('cancelled mid-run: requests stop, the next run finishes the job', async () => {
  const seed = await S.admin.post('seed', { count: 40, messages: 25, prefix: 'cancel' });
  // Each older-messages page answers after 150 ms: 40 of them take 6 s.
  await S.admin.fault({ kind: 'delay', ms: 150, count: 1000, path: '/messages' });
  await S.admin.clearRequests();
  const ac = new AbortController();
  const p = S.client.callTool({ name: 'ig_sync_inbox', arguments: {} }, CallToolResultSchema,
                              { signal: ac.signal, timeout: 60000 });
  // Cancel once the older pages are being fetched.
  let started = false;
  for (let i = 0; i < 400 && !started; i++) {
    started = (await S.admin.requests()).some((e) => /\/messages$/.test(e.path));
    if (!started) await new Promise((f) => setTimeout(f, 25));
  }
  assert.ok(started, 'the sync reached the older pages');
  ac.abort();
  await assert.rejects(p);
  await new Promise((f) => setTimeout(f, 1500));
  const pulled = (await S.admin.requests()).filter((e) => /\/messages$/.test(e.path)).length;
  assert.ok(pulled > 0 && pulled < 20, `older pages fetched before the cancel took: ${pulled}`);
  await S.admin.clearFaults();
  const r = await sync(S);
  assert.equal(r.done, true);
  assert.equal(r.failed, 0);
  for (const id of [seed.conversation_ids[0], seed.conversation_ids[20], seed.conversation_ids[39]]) {
    assert.equal(convMessages(igDb, id), 25);
  }
  assert.equal(Number(sql(igDb, "SELECT count(*) FROM sync_state WHERE key LIKE 'conv:%'")),
               (await S.admin.conversations()).filter((c) => c.folder === 'inbox').length);
});

test('bad since is refused', async () => {
  const r = await withTimeout(S.client.callTool({ name: 'ig_sync_inbox', arguments: { since: 'yesterday' } }),
                              30000, 'since');
  assert.equal(r.isError, true);
  assert.match(textOf(r), /ISO-8601/);
});
