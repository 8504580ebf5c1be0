// SPDX-License-Identifier: MIT
// Many accounts in one server (README "Several accounts"): a credentials
// file with the sandbox's two professional accounts (sandbox.studio and
// sandbox.second, each with its fixed token) and the first one's Facebook
// Login Page token as a third, served by `igmcp serve` (no
// IG_ACCESS_TOKEN) against a sandbox process.  Each call picks its account with
// "account"; each account has its own Graph client and rate-limit
// governor; the Instagram Login token is refreshed by the server's thread
// when it nears expiry and written back to the file (0600).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, SandboxAdmin, assertNoSecrets, assertSanitizersQuiet, callRaw, childEnv,
         sandboxSecrets, startSdkServer, waitFor, withTimeout } from './lib.mjs';

const IG_TOKEN = 'IGAAsandboxTokenForIgmcpInstagramLogin000000000000';
const FB_TOKEN = 'EAAsandboxTokenForIgmcpFacebookLoginPage0000000000';
const IG_TOKEN_2 = 'IGAAsandboxTokenForIgmcpInstagramLogin000000000002';
const DAY = 86400;
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

/* `igmcp sandbox --port 0`: its URL and admin API. */
async function sandbox() {
  const proc = spawn(BIN, ['sandbox', '--port', '0'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c) => { out += c; });
  proc.stderr.on('data', (c) => { err += c; });
  const port = await waitFor(() => (out.match(/^(\d+)\n/) || [])[1], { what: 'the sandbox port' });
  cleanups.push(async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
    assertSanitizersQuiet(err, 'igmcp sandbox');
  });
  const url = `http://127.0.0.1:${port}`;
  return { url, admin: new SandboxAdmin(url) };
}

function credsFile(accounts) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'igmcp-accounts-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'credentials.json');
  writeFileSync(file, JSON.stringify({ version: 1, accounts }), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

const now = () => Math.floor(Date.now() / 1000);
const studio = (over = {}) => ({
  name: 'studio', login: 'instagram', user_id: '17841400000000001', username: 'sandbox.studio',
  token: IG_TOKEN, token_issued_at: now() - 5 * DAY, token_expires_at: now() + 55 * DAY, ...over,
});
const second = { name: 'second', login: 'instagram', user_id: '17841400000000002', username: 'sandbox.second',
                 token: IG_TOKEN_2 };
const page = { name: 'page', login: 'facebook', user_id: '17841400000000001', page_id: '100000000000001',
               token: FB_TOKEN };

/* `igmcp serve` over stdio with the credentials file. */
async function serve(file, graphUrl, env = {}) {
  const transport = new StdioClientTransport({
    command: BIN,
    args: ['serve', '-v', '--db', ':memory:'],
    env: childEnv({ IGMCP_CONFIG: file, IG_GRAPH_URL: graphUrl, ...env }),
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr.on('data', (c) => { err += c.toString('utf8'); });
  const client = new Client({ name: 'igmcp-e2e', version: '1.0.0' }, { capabilities: {} });
  await withTimeout(client.connect(transport), 15000, 'initialize');
  const s = { client, stderr: () => err };
  cleanups.push(async () => {
    await client.close();
    assertSanitizersQuiet(err, 'igmcp serve (credentials file)');
  });
  return s;
}

const call = (s, name, args = {}) => callRaw(s.client, name, args);

test('three accounts: listed, picked by name, @username or id; an unknown one is a clear error', async () => {
  const sb = await sandbox();
  const s = await serve(credsFile([studio(), page, second]), sb.url);

  const tools = (await s.client.listTools()).tools;
  const acc = tools.find((t) => t.name === 'ig_get_account').inputSchema.properties.account;
  assert.ok(acc, 'with two accounts the inputSchemas list account');
  assert.match(acc.description, /studio/);

  const list = await call(s, 'ig_list_accounts');
  assert.equal(list.isError, undefined);
  const accounts = list.structuredContent.accounts;
  assert.deepEqual(accounts.map((a) => [a.name, a.login, a.host, a.default]),
                   [['studio', 'instagram', 'graph.instagram.com', true],
                    ['page', 'facebook', 'graph.facebook.com', false],
                    ['second', 'instagram', 'graph.instagram.com', false]]);
  assert.equal(accounts[0].username, 'sandbox.studio');
  assert.equal(accounts[0].id, '17841400000000001');
  assert.equal(accounts[1].page_id, '100000000000001');
  assert.ok(accounts[0].token_expires_at);
  assert.equal(accounts[0].refresh_state, 'ok');

  /* The same tool on each account answers for that account's login. */
  const dflt = await call(s, 'ig_token_status');
  assert.equal(dflt.structuredContent.login, 'instagram');
  assert.equal(dflt.structuredContent.refresh_state, 'ok');
  assert.ok(dflt.structuredContent.expires_at, 'the expiry from the credentials file');
  const fb = await call(s, 'ig_token_status', { account: 'page' });
  assert.equal(fb.structuredContent.login, 'facebook');
  assert.equal(fb.structuredContent.type, 'PAGE');
  for (const who of ['@sandbox.studio', 'sandbox.studio', 'studio'])
    assert.equal((await call(s, 'ig_token_status', { account: who })).structuredContent.login, 'instagram', who);
  assert.equal((await call(s, 'ig_token_status', { account: '100000000000001' })).structuredContent.login,
               'facebook');
  const media = await call(s, 'ig_list_media', { account: 'page', limit: 3 });
  assert.equal(media.isError, undefined, JSON.stringify(media.structuredContent));
  assert.equal(media.structuredContent.media.length, 3);

  /* The same tool on the two Instagram accounts: each one's own data. */
  const a1 = await call(s, 'ig_get_account');
  const a2 = await call(s, 'ig_get_account', { account: 'second' });
  assert.equal(a1.structuredContent.username, 'sandbox.studio');
  assert.equal(a2.structuredContent.username, 'sandbox.second');
  assert.equal(a2.structuredContent.id, '17841400000000002');
  assert.equal((await call(s, 'ig_get_account', { account: '@sandbox.second' })).structuredContent.username,
               'sandbox.second');
  const m1 = (await call(s, 'ig_list_media', { limit: 5 })).structuredContent.media.map((m) => m.id);
  const m2 = (await call(s, 'ig_list_media', { account: 'second', limit: 5 })).structuredContent.media.map((m) => m.id);
  assert.equal(m1.length, 5);
  assert.equal(m2.length, 5);
  assert.equal(m1.filter((id) => m2.includes(id)).length, 0, 'no media in common');

  const bad = await call(s, 'ig_get_account', { account: 'nobody' });
  assert.equal(bad.isError, true);
  assert.equal(bad.structuredContent.error.kind, 'unknown_account');
  assert.match(bad.content[0].text, /"nobody".*studio, page, second/);

  assertNoSecrets(s.stderr() + JSON.stringify([list, dflt, fb, media, bad]),
                  Object.values(sandboxSecrets()), 'two-account server');
});

test('the store keeps accounts apart: each account syncs and lists its own conversations', async () => {
  const sb = await sandbox();
  const s = await serve(credsFile([studio(), second]), sb.url);
  const y1 = await call(s, 'ig_sync_inbox');
  const y2 = await call(s, 'ig_sync_inbox', { account: 'second' });
  assert.equal(y1.structuredContent.account_id, '17841400000000001');
  assert.equal(y2.structuredContent.account_id, '17841400000000002');
  assert.ok(y1.structuredContent.conversations_updated > 0);
  assert.ok(y2.structuredContent.conversations_updated > 0);
  const l1 = (await call(s, 'ig_list_inbox', { limit: 50, response_format: 'detailed' })).structuredContent.conversations;
  const l2 = (await call(s, 'ig_list_inbox', { account: 'second', limit: 50, response_format: 'detailed' }))
    .structuredContent.conversations;
  assert.equal(l1.length, y1.structuredContent.conversations_seen);
  assert.equal(l2.length, y2.structuredContent.conversations_seen);
  const ids = (l) => l.map((c) => c.conversation_id ?? c.id);
  assert.equal(ids(l1).filter((x) => ids(l2).includes(x)).length, 0, 'no conversation in both');
});

test('the governor keeps accounts apart: a throttle on one does not hold the other', async () => {
  const sb = await sandbox();
  const s = await serve(credsFile([studio(), page]), sb.url);
  await sb.admin.fault({ kind: 'throttle', code: 80002, count: 1, regain_minutes: 3 });
  const first = await call(s, 'ig_get_account');
  assert.equal(first.isError, true);
  assert.equal(first.structuredContent.error.graph.code, 80002);
  await sb.admin.clearRequests();
  /* studio is held until Meta's regain time: answered without a request. */
  const held = await call(s, 'ig_get_account', { account: 'studio' });
  assert.equal(held.isError, true);
  assert.equal((await sb.admin.requests()).length, 0, 'no request for the held account');
  /* page has its own governor and goes through. */
  const other = await call(s, 'ig_get_account', { account: 'page' });
  assert.equal(other.isError, undefined, JSON.stringify(other.structuredContent));
  assert.equal(other.structuredContent.username, 'sandbox.studio');
  assert.ok((await sb.admin.requests()).length > 0);
  const rs = await call(s, 'ig_rate_limit_status', { account: 'studio' });
  assert.equal(rs.structuredContent.state, 'held');
  const rp = await call(s, 'ig_rate_limit_status', { account: 'page' });
  assert.notEqual(rp.structuredContent.state, 'held');
});

test('refresh: a token in its last 10 days is refreshed, written to the file (0600) and used', async () => {
  const sb = await sandbox();
  /* Meta refuses tokens younger than a day; the sandbox's clock says
   * its token is older. */
  await sb.admin.post('clock', { advance_seconds: 2 * DAY });
  const file = credsFile([studio({ token_issued_at: now() - 55 * DAY, token_expires_at: now() + 5 * DAY }), page]);
  const s = await serve(file, sb.url, { IGMCP_REFRESH_CHECK_MS: '100' });
  const saved = await waitFor(() => {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    return c.accounts[0].token_expires_at > now() + 59 * DAY ? c : null;
  }, { timeout: 10000, what: 'the refreshed token in the credentials file' });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(Math.abs(saved.accounts[0].token_issued_at - now()) < 60);
  assert.equal(saved.accounts[0].token, IG_TOKEN);
  assert.equal(saved.accounts[1].name, 'page', 'the other account is kept');
  assert.ok((await sb.admin.requests()).some((q) => q.path.includes('refresh_access_token')));
  const st = await call(s, 'ig_token_status');
  assert.equal(st.structuredContent.refresh_state, 'ok');
  assert.ok(Date.parse(st.structuredContent.expires_at) / 1000 > now() + 59 * DAY);
  assert.equal((await call(s, 'ig_get_account')).isError, undefined, 'calls keep working');
  assert.match(s.stderr(), /refresh: account "studio": token refreshed/);
});

test('refresh: a token that cannot be refreshed is logged and reported by ig_token_status', async () => {
  const sb = await sandbox();
  await sb.admin.post('clock', { advance_seconds: 2 * DAY });
  await sb.admin.fault({ kind: 'expire_token', token: 'ig' });
  const before = studio({ token_issued_at: now() - 55 * DAY, token_expires_at: now() + 5 * DAY });
  const file = credsFile([before, page]);
  const s = await serve(file, sb.url, { IGMCP_REFRESH_CHECK_MS: '100' });
  await waitFor(() => /refresh: account "studio": the token could not be refreshed/.test(s.stderr()),
                { timeout: 10000, what: 'the refresh warning' });
  assert.match(s.stderr(), /code 190/);
  const st = await call(s, 'ig_token_status', { account: 'studio' });
  assert.equal(st.structuredContent.valid, false);
  const list = await call(s, 'ig_list_accounts');
  assert.equal(list.structuredContent.accounts[0].refresh_state, 'failed');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).accounts[0].token_expires_at, before.token_expires_at,
               'the file is left alone');
  /* The other account is unaffected. */
  assert.equal((await call(s, 'ig_get_account', { account: 'page' })).isError, undefined);
  assertNoSecrets(s.stderr(), [IG_TOKEN, FB_TOKEN], 'refresh failure');
});

test('serve --sandbox: one account by default, both sandbox accounts with IGMCP_SANDBOX_ACCOUNTS=2', async () => {
  const one = await startSdkServer();
  cleanups.push(() => one.close());
  const t1 = (await one.client.listTools()).tools.find((t) => t.name === 'ig_get_account');
  assert.equal(t1.inputSchema.properties.account, undefined, 'one account: not listed');
  assert.equal((await callRaw(one.client, 'ig_get_account', { account: 'sandbox.studio' })).isError, undefined,
               'but accepted');
  const two = await startSdkServer({ env: { IGMCP_SANDBOX_ACCOUNTS: '2' } });
  cleanups.push(() => two.close());
  const t2 = (await two.client.listTools()).tools.find((t) => t.name === 'ig_get_account');
  assert.ok(t2.inputSchema.properties.account);
  const list = (await callRaw(two.client, 'ig_list_accounts', {})).structuredContent.accounts;
  assert.deepEqual(list.map((a) => a.name), ['sandbox.studio', 'sandbox.second']);
  const r = await callRaw(two.client, 'ig_get_account', { account: 'sandbox.second' });
  assert.equal(r.structuredContent.username, 'sandbox.second');
});
