// Behind a TLS reverse proxy: --public-url names the endpoint as clients
// reach it, so the 401's resource_metadata and the RFC 9728 document point
// at the proxy (https://...) instead of the loopback address igmcp sees in
// Host.  A malformed --public-url stops start-up with one clear line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

import { BIN, childEnv, startHttpServer } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'igmcp-proxy-'));
const TOKEN = 'proxy-test-token-0123456789abcdef';
const servers = [];

after(async () => {
  for (const s of servers) await s.close().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

test('--public-url: the 401 and the metadata name the public https URL', async () => {
  const file = path.join(tmp, 'token');
  writeFileSync(file, TOKEN, { mode: 0o600 });
  const s = await startHttpServer({
    connect: false,
    extraArgs: ['--auth-token-file', file, '--public-url', 'https://MCP.Example.com/mcp'],
  });
  servers.push(s);
  const r = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'),
               'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"');
  await r.text();
  const prm = await fetch(s.url.replace('/mcp', '/.well-known/oauth-protected-resource'));
  assert.equal(prm.status, 200);
  const doc = await prm.json();
  assert.equal(doc.resource, 'https://mcp.example.com/mcp');
  assert.doesNotMatch(JSON.stringify(doc), /127\.0\.0\.1/);
});

test('--public-url: a path other than /mcp, a query or another scheme is refused at start', () => {
  for (const bad of ['https://mcp.example.com/other', 'ftp://mcp.example.com', 'https://', 'https://a b/mcp',
                     'https://mcp.example.com/mcp?x=1']) {
    const r = spawnSync(BIN, ['serve', '--sandbox', '--http', '127.0.0.1:0', '--public-url', bad],
                        { env: childEnv(), encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 1, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--public-url: expected http\[s\]:\/\/HOST/, bad);
  }
  const r = spawnSync(BIN, ['serve', '--sandbox', '--public-url', 'https://mcp.example.com'],
                      { env: childEnv(), encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /need --http/);
});
