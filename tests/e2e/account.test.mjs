// SPDX-License-Identifier: MIT
//
// account.test.mjs: the account tools through the official SDK client
// against `igmcp serve --sandbox`, with Instagram Login and with
// `--login facebook`: ig_get_account (own account, a Page id resolved to
// its Instagram account, a Page without one), ig_list_linked_accounts,
// ig_business_discovery, ig_token_status, ig_renew_token (action
// "exchange" or "refresh", each on its own endpoint per login; save_to: a
// new 0600 file), its unlisted aliases ig_exchange_token and
// ig_refresh_token, and ig_get_app_info.  No token value (read from
// sandbox.h) may appear in any result, and the token tools never return a
// token.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  assertNoSecrets, callRaw, sandboxSecrets, startSdkServer, textOf, withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const IG_ID = '17841400000000001';
const PAGE_ID = '100000000000001';
const PAGE2_ID = '100000000000002';
let S;   // Instagram Login
let F;   // Facebook Login
let dir;

/* Every result of this file passes through here: no secret in it. */
function clean(r, what) {
  assertNoSecrets(JSON.stringify(r), secrets, what);
  return r;
}

/* These tests check every field, so they ask for the detailed form
 * (results.test.mjs covers the concise one). */
const DETAILED = new Set(['ig_get_account', 'ig_business_discovery']);

async function ok(s, name, args = {}) {
  if (DETAILED.has(name)) args = { response_format: 'detailed', ...args };
  const r = await withTimeout(s.client.callTool({ name, arguments: args }), 30000, name);
  clean(r, name);
  assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

async function fails(s, name, args, re) {
  const r = await withTimeout(callRaw(s.client, name, args), 30000, `${name} (to fail)`);
  clean(r, name);
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${textOf(r).slice(0, 300)}`);
  if (re) assert.match(textOf(r), re);
  return r;
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'igmcp-account-'));
  S = await startSdkServer();
  F = await startSdkServer({ extraArgs: ['--login', 'facebook'] });
});

after(async () => {
  for (const s of [S, F]) {
    if (!s) continue;
    await s.close();
    assertNoSecrets(s.stdout() + s.stderr(), secrets, 'server output');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('ig_get_account: own profile on both logins', async () => {
  const r = await ok(S, 'ig_get_account');
  assert.equal(r.id, IG_ID);
  assert.equal(r.username, 'sandbox.studio');
  assert.equal(r.account_type, 'BUSINESS');
  assert.equal(r.is_own_account, true);
  assert.equal(typeof r.followers_count, 'number');
  assert.ok(r.app_scoped_id, 'graph.instagram.com: the app-scoped id is kept apart');
  const f = await ok(F, 'ig_get_account');
  assert.equal(f.id, IG_ID);
  assert.equal(f.is_own_account, true);
  assert.equal(f.followers_count, r.followers_count);
  await fails(S, 'ig_get_account', { user_id: 'sandbox.studio' }, /user_id/);
});

test('ig_get_account: a Facebook Page id is resolved to its Instagram account', async () => {
  await F.admin.clearRequests();
  const r = await ok(F, 'ig_get_account', { user_id: PAGE_ID });
  assert.equal(r.id, IG_ID);
  assert.equal(r.is_own_account, true);
  const reqs = await F.admin.requests();
  const paths = (reqs.data ?? reqs).map((q) => q.path);
  assert.ok(paths.some((p) => p.includes(PAGE_ID)), 'the Page was asked for its account');
  await fails(F, 'ig_get_account', { user_id: PAGE2_ID }, /no Instagram professional account/);
});

test('ig_list_linked_accounts: Pages and accounts, never a token; IG login refused', async () => {
  const r = await ok(F, 'ig_list_linked_accounts');
  assert.equal(r.count, 2);
  const [a, b] = r.pages;
  assert.equal(a.page_id, PAGE_ID);
  assert.equal(a.instagram_account_id, IG_ID);
  assert.equal(b.has_instagram_account, false);
  for (const p of r.pages) assert.equal(p.access_token, undefined);
  await fails(S, 'ig_list_linked_accounts', {}, /Facebook Login/);
  await fails(F, 'ig_list_linked_accounts', { limit: 0 }, /limit/);
});

test('ig_business_discovery: another account by username; bad usernames refused', async () => {
  const r = await ok(F, 'ig_business_discovery', { username: 'bluebottle', media_limit: 2 });
  assert.equal(r.username, 'bluebottle');
  assert.equal(typeof r.followers_count, 'number');
  assert.ok(Array.isArray(r.media) && r.media.length === 2, 'media.limit(2) gives two posts');
  const reqs = await F.admin.requests();
  const q = (reqs.data ?? reqs).reverse().find((x) => JSON.stringify(x).includes('business_discovery'));
  assert.match(JSON.stringify(q), /business_discovery\.username\(bluebottle\)\{/);
  await fails(F, 'ig_business_discovery', { username: 'nobody.here' }, /cannot be found|Invalid user/);
  await fails(F, 'ig_business_discovery', { username: '@bluebottle' }, /username/);
  await fails(F, 'ig_business_discovery', { username: 'a'.repeat(31) }, /username/);
  /* 30 characters pass the local check (Meta then finds no such user). */
  await fails(F, 'ig_business_discovery', { username: 'a'.repeat(30) }, /cannot be found|Invalid user/);
  await fails(S, 'ig_business_discovery', { username: 'bluebottle' }, /Facebook Login/);
});

test('ig_token_status: valid on both logins, scopes with Facebook Login', async () => {
  const r = await ok(S, 'ig_token_status');
  assert.equal(r.login, 'instagram');
  assert.equal(r.host, 'graph.instagram.com');
  assert.equal(r.valid, true);
  const f = await ok(F, 'ig_token_status');
  assert.equal(f.login, 'facebook');
  assert.equal(f.valid, true);
  assert.equal(f.expires_at, 'never');
  assert.ok(f.scopes.includes('instagram_manage_messages'));
  await fails(S, 'ig_token_status', { verbose: true }, /verbose|additional/i);
});

test('ig_token_status: an expired token is reported, not thrown', async () => {
  const s = await startSdkServer();
  try {
    await s.admin.fault({ kind: 'expire_token', token: 'ig' });
    const r = await ok(s, 'ig_token_status');
    assert.equal(r.valid, false);
    assert.match(r.reason, /expired/);
    assert.match(r.next_step, /expired/);
  } finally {
    await s.close();
    assertNoSecrets(s.stdout() + s.stderr(), secrets, 'server output');
  }
});

/* The token requests the sandbox saw since the last clearRequests, as
 * [host, path, grant_type]. */
async function tokenCalls(s) {
  const reqs = await s.admin.requests();
  return (reqs.data ?? reqs).filter((q) => /access_token$/.test(q.path))
    .map((q) => [q.host, q.path, q.query.grant_type]);
}

/* A token result without its clock-dependent field. */
function timeless(r) {
  const { expires_at: _at, ...rest } = r;
  return rest;
}

test('ig_renew_token is listed, the old token tools are not', async () => {
  const { tools } = await S.client.listTools();
  const t = tools.find((x) => x.name === 'ig_renew_token');
  assert.ok(t);
  assert.deepEqual(t.inputSchema.required, ['action']);
  assert.deepEqual(t.inputSchema.properties.action.enum, ['exchange', 'refresh']);
  assert.equal(t.annotations.readOnlyHint, false);
  assert.equal(t.annotations.idempotentHint, false, 'an exchange is not idempotent');
  assert.ok(t.description.length <= 1000);
  for (const gone of ['ig_exchange_token', 'ig_refresh_token']) {
    assert.equal(tools.find((x) => x.name === gone), undefined, `${gone} is not listed`);
  }
});

test('ig_renew_token: each action on its endpoint per login; only a preview; save_to writes a 0600 file', async () => {
  const IG = 'graph.instagram.com';
  const FB = 'graph.facebook.com';
  for (const [s, action, name, call] of [
    [S, 'refresh', 'SANDBOX_IG_TOKEN', [IG, '/refresh_access_token', 'ig_refresh_token']],
    [S, 'exchange', 'SANDBOX_IG_TOKEN', [IG, '/access_token', 'ig_exchange_token']],
    [F, 'exchange', 'SANDBOX_FB_TOKEN', [FB, '/v25.0/oauth/access_token', 'fb_exchange_token']],
    /* Facebook Login has no refresh endpoint: the token is exchanged again. */
    [F, 'refresh', 'SANDBOX_FB_TOKEN', [FB, '/v25.0/oauth/access_token', 'fb_exchange_token']]]) {
    await s.admin.clearRequests();
    const r = await ok(s, 'ig_renew_token', { action });
    assert.equal(r.token_length, secrets[name].length);
    assert.equal(r.token_preview, `${secrets[name].slice(0, 6)}…(${secrets[name].length} chars)`);
    assert.ok(r.expires_in > 50 * 86400);
    assert.equal(r.saved_to, undefined);
    assert.deepEqual(await tokenCalls(s), [call], `${action} on ${name}`);
  }
  /* The sandbox has reissued the token: it still works. */
  await ok(S, 'ig_get_account');
  /* IG: a refresh less than 24 hours after the last one is refused by Meta. */
  await fails(S, 'ig_renew_token', { action: 'refresh' }, /24 hours/);
  await fails(S, 'ig_renew_token', {}, /action/);
  await fails(S, 'ig_renew_token', { action: 'renew' }, /action/);

  const file = path.join(dir, 'token.txt');
  const r = await ok(F, 'ig_renew_token', { action: 'refresh', save_to: file });
  assert.equal(r.saved_to, file);
  assert.equal(readFileSync(file, 'utf8').trim(), secrets.SANDBOX_FB_TOKEN);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  writeFileSync(path.join(dir, 'exists.txt'), 'x');
  await fails(F, 'ig_renew_token', { action: 'exchange', save_to: path.join(dir, 'exists.txt') },
              /never overwritten/);
  assert.equal(readFileSync(path.join(dir, 'exists.txt'), 'utf8'), 'x');
  await fails(F, 'ig_renew_token', { action: 'exchange', save_to: 'relative/path' }, /save_to/);
});

test('aliases ig_exchange_token / ig_refresh_token: old arguments, same results as ig_renew_token', async () => {
  for (const s of [S, F]) {
    await s.admin.clearRequests();
    const merged = await ok(s, 'ig_renew_token', { action: 'exchange' });
    const calls = await tokenCalls(s);
    await s.admin.clearRequests();
    const old = await ok(s, 'ig_exchange_token');
    assert.deepEqual(timeless(old), timeless(merged));
    assert.deepEqual(await tokenCalls(s), calls, 'the same endpoint');
  }
  /* Instagram Login: both refresh within 24 hours of the exchange above,
   * and Meta refuses both the same way. */
  await S.admin.clearRequests();
  const e1 = await fails(S, 'ig_refresh_token', {}, /24 hours/);
  const e2 = await fails(S, 'ig_renew_token', { action: 'refresh' }, /24 hours/);
  assert.equal(textOf(e1), textOf(e2));
  assert.deepEqual((await tokenCalls(S)).map((c) => c[1]),
                   ['/refresh_access_token', '/refresh_access_token']);
  /* A day later the alias refreshes. */
  await S.admin.post('clock', { advance_seconds: 25 * 3600 });
  const old = await ok(S, 'ig_refresh_token');
  assert.equal(old.token_length, secrets.SANDBOX_IG_TOKEN.length);
  /* Facebook Login: the alias exchanges again, like the merged tool. */
  const fm = await ok(F, 'ig_renew_token', { action: 'refresh' });
  assert.deepEqual(timeless(await ok(F, 'ig_refresh_token')), timeless(fm));
  /* save_to passes through the alias. */
  const file = path.join(dir, 'alias-token.txt');
  const saved = await ok(F, 'ig_exchange_token', { save_to: file });
  assert.equal(saved.saved_to, file);
  assert.equal(readFileSync(file, 'utf8').trim(), secrets.SANDBOX_FB_TOKEN);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await fails(F, 'ig_refresh_token', { save_to: 'relative/path' }, /save_to/);
});

test('ig_get_app_info: the app node with Facebook Login, IG_APP_ID with Instagram Login', async () => {
  const f = await ok(F, 'ig_get_app_info');
  assert.match(f.id, /^\d+$/);
  assert.ok(f.name);
  assert.equal(f.login, 'facebook');
  const i = await ok(S, 'ig_get_app_info');
  assert.equal(i.id, f.id);
  assert.match(i.note, /no app node/);
  await fails(S, 'ig_get_app_info', { id: '1' }, /id|additional/i);
});
