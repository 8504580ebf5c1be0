// SPDX-License-Identifier: MIT
//
// login.test.mjs: `igmcp login --sandbox` against a running `igmcp sandbox`.
// The test plays the browser: it follows the printed authorization URL to
// the sandbox, which consents and redirects to login's loopback callback.
// Checked: the credentials file (0600) with the account and a long-lived
// token that `igmcp call` can use, never printed; the pasted-URL path; a
// bad and a used code explained; Facebook Login with Page selection; an
// issued token refused with 190/463 once the sandbox clock passes its
// expiry.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BIN, assertNoSecrets, assertSanitizersQuiet, childEnv, sandboxSecrets, waitFor,
  withTimeout,
} from './lib.mjs';

const secrets = sandboxSecrets();
const dir = mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'login-e2e-'));
let sb;
let sbErr = '';
let sbUrl;

before(async () => {
  sb = spawn(BIN, ['sandbox', '--port', '0'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sb.stdout.on('data', (d) => { out += d; });
  sb.stderr.on('data', (d) => { sbErr += d; });
  const port = await waitFor(() => out.match(/^(\d+)$/m)?.[1], { what: 'the sandbox port' });
  sbUrl = `http://127.0.0.1:${port}`;
});

after(async () => {
  sb.kill('SIGTERM');
  await new Promise((r) => sb.once('exit', r));
  assertSanitizersQuiet(sbErr, 'igmcp sandbox');
  rmSync(dir, { recursive: true, force: true });
});

const env = (file, extra = {}) => childEnv({ IGMCP_CONFIG: file, IG_GRAPH_URL: sbUrl, ...extra });

/* Starts igmcp login; resolves the printed URL and, later, the exit. */
function startLogin(args, file, stdin = 'ignore') {
  const p = spawn(BIN, ['login', '--sandbox', ...args], { env: env(file), stdio: [stdin, 'pipe', 'pipe'] });
  const r = { stdout: '', stderr: '', proc: p };
  p.stdout.on('data', (d) => { r.stdout += d; });
  p.stderr.on('data', (d) => { r.stderr += d; });
  r.exit = new Promise((res) => p.once('exit', (code) => res(code)));
  r.url = waitFor(() => r.stdout.match(/^ {2}(http:\S+)$/m)?.[1], { what: 'the authorization URL' });
  return r;
}

/* The browser: GET the dialog, then its redirect (the loopback callback). */
async function consent(url) {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const loc = res.headers.get('location');
  assert.match(loc, /^http:\/\/localhost:\d+\/callback\?code=AQ[0-9a-f]+&state=[0-9a-f]{32}#_/);
  // The listener is on 127.0.0.1, which localhost names.
  const cb = await fetch(loc.replace('//localhost:', '//127.0.0.1:'));
  assert.equal(cb.status, 200);
  assert.match(await cb.text(), /received the authorization/);
  return loc;
}

const account = (file, name) => JSON.parse(readFileSync(file, 'utf8')).accounts.find((a) => a.name === name);

function call(tool, args, extra) {
  return spawnSync(BIN, ['call', tool, JSON.stringify(args)],
                   { env: childEnv({ IG_GRAPH_URL: sbUrl, IGMCP_DB: 'off', ...extra }), encoding: 'utf8', timeout: 30000 });
}

function admin(p, body) {
  return fetch(`${sbUrl}/__sandbox/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' },
                                           body: JSON.stringify(body) });
}

test('Instagram Login: URL, callback, credentials file, a usable long-lived token', async () => {
  const file = path.join(dir, 'ig', 'credentials.json');
  const r = startLogin(['--no-wait', '--port', '0'], file);
  const url = await withTimeout(r.url, 10000, 'login URL');
  const u = new URL(url);
  assert.equal(u.pathname, '/oauth/authorize');
  assert.equal(u.searchParams.get('client_id'), '900000000000001');
  assert.equal(u.searchParams.get('response_type'), 'code');
  assert.equal(u.searchParams.get('scope'), 'instagram_business_basic,instagram_business_manage_messages,'
    + 'instagram_business_manage_comments,instagram_business_content_publish,instagram_business_manage_insights');
  await consent(url);
  assert.equal(await withTimeout(r.exit, 15000, 'login exit'), 0, r.stderr);

  assert.equal(statSync(file).mode & 0o777, 0o600);
  const a = account(file, 'sandbox.studio');
  assert.equal(a.login, 'instagram');
  assert.equal(a.user_id, '17841400000000001');
  assert.equal(a.username, 'sandbox.studio');
  assert.match(a.token, /^IGAA[0-9a-f]{56}$/);
  assert.notEqual(a.token, secrets.SANDBOX_IG_TOKEN);
  const life = a.token_expires_at - a.token_issued_at;
  assert.equal(life, 60 * 24 * 3600);
  assert.ok(a.scopes.includes('instagram_business_manage_messages'));
  assert.match(r.stdout, /Connected @sandbox\.studio \(Instagram Login/);
  assert.match(r.stdout, /Token IGAA[0-9a-f]{2}…\(60 chars\)/);
  assertNoSecrets(r.stdout + r.stderr, { ...secrets, token: a.token }, 'login output');
  assertSanitizersQuiet(r.stderr, 'igmcp login');

  const c = call('ig_get_account', {}, { IG_ACCESS_TOKEN: a.token });
  assert.equal(c.status, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).username, 'sandbox.studio');
  assertNoSecrets(c.stdout + c.stderr, { token: a.token }, 'call output');
  /* From zero to a connected account: no token in the environment, the
   * server finds the account in the file login wrote. */
  const viaFile = call('ig_get_account', {}, { IGMCP_CONFIG: file });
  assert.equal(viaFile.status, 0, viaFile.stderr);
  assert.equal(JSON.parse(viaFile.stdout).username, 'sandbox.studio');
  const accts = call('ig_list_accounts', {}, { IGMCP_CONFIG: file });
  assert.equal(accts.status, 0, accts.stderr);
  assert.equal(JSON.parse(accts.stdout).accounts[0].username, 'sandbox.studio');
  assertNoSecrets(viaFile.stdout + viaFile.stderr + accts.stdout + accts.stderr, { token: a.token },
                  'output with the credentials file');
});

test('a pasted redirected URL (with Meta\'s #_) finishes the login', async () => {
  const file = path.join(dir, 'paste.json');
  const q = new URLSearchParams({ client_id: '900000000000001', redirect_uri: 'https://example.com/ig/cb',
                                  response_type: 'code', scope: 'instagram_business_basic', state: 'x' });
  const res = await fetch(`${sbUrl}/oauth/authorize?${q}`, { redirect: 'manual' });
  const loc = res.headers.get('location');
  assert.match(loc, /^https:\/\/example\.com\/ig\/cb\?code=.*#_$/);
  const r = spawnSync(BIN, ['login', '--sandbox', '--code', loc, '--name', 'pasted'],
                      { env: env(file), encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  assertSanitizersQuiet(r.stderr, 'igmcp login --code');
  const a = account(file, 'pasted');
  assert.match(a.token, /^IGAA/);
  assertNoSecrets(r.stdout + r.stderr, { ...secrets, token: a.token }, 'login output');

  // The same URL again: the code is used up, and igmcp says what to do.
  const again = spawnSync(BIN, ['login', '--sandbox', '--code', loc],
                          { env: env(file), encoding: 'utf8', timeout: 30000 });
  assert.equal(again.status, 1);
  assertSanitizersQuiet(again.stderr, 'igmcp login --code (used)');
  assert.match(again.stderr, /the code exchange failed: This authorization code has been used \(OAuthException 400\)/);
  assert.match(again.stderr, /run `igmcp login` again/);
});

test('a URL pasted on stdin; a callback with a wrong state is ignored; a timeout', async () => {
  const file = path.join(dir, 'stdin.json');
  let r = startLogin(['--redirect-uri', 'https://example.com/ig/cb', '--name', 'typed'], file, 'pipe');
  let url = await withTimeout(r.url, 10000, 'login URL');
  assert.match(r.stdout, /paste here the address/);
  const res = await fetch(url, { redirect: 'manual' });
  r.proc.stdin.write(`  ${res.headers.get('location')}\n`);
  assert.equal(await withTimeout(r.exit, 15000, 'login exit'), 0, r.stderr);
  assertSanitizersQuiet(r.stderr, 'igmcp login (stdin)');
  assert.match(account(file, 'typed').token, /^IGAA/);

  r = startLogin(['--no-wait', '--port', '0', '--timeout', '2'], file);
  url = await withTimeout(r.url, 10000, 'login URL');
  const cb = new URL(new URL(url).searchParams.get('redirect_uri'));
  const forged = await fetch(`http://127.0.0.1:${cb.port}/callback?code=AQforged&state=0123`);
  assert.equal(forged.status, 400);
  const other = await fetch(`http://127.0.0.1:${cb.port}/elsewhere`);
  assert.equal(other.status, 404);
  assert.equal(await withTimeout(r.exit, 15000, 'login exit'), 1);
  assert.match(r.stderr, /wrong state was ignored/);
  assert.match(r.stderr, /no authorization after 2 seconds/);
  assertSanitizersQuiet(r.stderr, 'igmcp login (timeout)');
});

test('a bad code: the flat error of api.instagram.com, explained', () => {
  const file = path.join(dir, 'bad.json');
  const r = spawnSync(BIN, ['login', '--sandbox', '--code', 'AQnotacode#_', '--port', '1'],
                      { env: env(file), encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 1);
  assertSanitizersQuiet(r.stderr, 'igmcp login (bad code)');
  assert.match(r.stderr, /Error validating verification code/);
  assert.match(r.stderr, /redirect URI must be exactly/);
  assert.throws(() => statSync(file));
});

test('login --sandbox without a sandbox URL, and usage errors', () => {
  const r = spawnSync(BIN, ['login', '--sandbox', '--no-wait'],
                      { env: childEnv({ IGMCP_CONFIG: path.join(dir, 'none.json') }), encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /igmcp sandbox/);
  const u = spawnSync(BIN, ['login', '--port', 'x'], { env: childEnv(), encoding: 'utf8' });
  assert.equal(u.status, 2);
  assertSanitizersQuiet(r.stderr + u.stderr, 'igmcp login (usage)');
  const n = spawnSync(BIN, ['login', '--no-wait'], { env: childEnv({ IGMCP_CONFIG: path.join(dir, 'n.json') }),
                                                     encoding: 'utf8' });
  assert.equal(n.status, 1);
  assert.match(n.stderr, /IG_APP_ID and IG_APP_SECRET/);
});

test('Facebook Login: the Page with the Instagram account, its Page token', async () => {
  const file = path.join(dir, 'fb.json');
  // A Page without an Instagram account is refused, with the list.
  let r = startLogin(['--facebook', '--no-wait', '--port', '0', '--page-id', '100000000000002'], file);
  let url = await withTimeout(r.url, 10000, 'login URL');
  assert.match(url, /\/v25\.0\/dialog\/oauth\?/);
  assert.match(url, /scope=instagram_basic%2C.*pages_show_list/);
  await consent(url);
  assert.equal(await withTimeout(r.exit, 15000, 'login exit'), 1);
  assertSanitizersQuiet(r.stderr, 'igmcp login --facebook (no Page)');
  assert.match(r.stderr, /100000000000002 {2}Sandbox Studio Outlet {2}\(no Instagram account\)/);
  assert.match(r.stderr, /100000000000001 {2}Sandbox Studio {2}@sandbox\.studio/);

  r = startLogin(['--facebook', '--no-wait', '--port', '0', '--name', 'shop'], file);
  url = await withTimeout(r.url, 10000, 'login URL');
  await consent(url);
  assert.equal(await withTimeout(r.exit, 15000, 'login exit'), 0, r.stderr);
  const a = account(file, 'shop');
  assert.equal(a.login, 'facebook');
  assert.equal(a.page_id, '100000000000001');
  assert.equal(a.user_id, '17841400000000001');
  assert.match(a.token, /^EAA[0-9a-f]{56}$/);
  assert.equal(a.token_expires_at, 0);
  assertSanitizersQuiet(r.stderr, 'igmcp login --facebook');
  assert.match(r.stdout, /does not expire/);
  assertNoSecrets(r.stdout + r.stderr, { ...secrets, token: a.token }, 'login output');
  const c = call('ig_get_account', {}, { IG_ACCESS_TOKEN: a.token });
  assert.equal(c.status, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).username, 'sandbox.studio');
});

test('an issued token expires on the sandbox clock: 190/463', async () => {
  const file = path.join(dir, 'ig', 'credentials.json');
  const ig = account(file, 'sandbox.studio');
  const fb = account(path.join(dir, 'fb.json'), 'shop');
  assert.equal((await admin('clock', { advance_seconds: 61 * 24 * 3600 })).status, 200);
  const c = call('ig_get_account', {}, { IG_ACCESS_TOKEN: ig.token });
  assert.notEqual(c.status, 0);
  assert.match(c.stdout + c.stderr, /190/);
  assert.match(c.stdout + c.stderr, /463|expired/i);
  assertNoSecrets(c.stdout + c.stderr, { token: ig.token }, 'call output');
  // The Page token from a long-lived user token does not expire.
  const f = call('ig_get_account', {}, { IG_ACCESS_TOKEN: fb.token });
  assert.equal(f.status, 0, f.stderr);
});
