// SPDX-License-Identifier: MIT
//
// lib.mjs: helpers shared by the end-to-end tests.
//
// Every test file runs as `node <file>` with IGMCP_BIN (the igmcp binary)
// and IGMCP_SOURCE_DIR (the source tree) in the environment.  The helpers
// spawn `igmcp serve --sandbox -v`, find the in-process sandbox's URL on
// stderr, drive its admin API (/__sandbox/...), and keep every byte the
// server wrote so a test can check that no credential ever leaked.  No
// helper prints a token: secrets are compared, never shown.

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';

export const BIN = process.env.IGMCP_BIN;
export const SRC = process.env.IGMCP_SOURCE_DIR;
if (!BIN || !SRC) {
  console.error('set IGMCP_BIN (the igmcp binary) and IGMCP_SOURCE_DIR (the source tree)');
  process.exit(2);
}

/* The messaging core of the foundation; always present. */
export const MESSAGING_TOOLS = [
  'ig_list_conversations',
  'ig_get_conversation',
  'ig_list_messages',
  'ig_get_message',
  'ig_send_message',
];

/* Every tool of the registry, as `igmcp tools --json --toolsets all`
 * prints it: a server started by these tests (childEnv sets
 * IGMCP_TOOLSETS=all) must list exactly these. */
export const TOOL_NAMES = JSON.parse(
  execFileSync(BIN, ['tools', '--json', '--toolsets', 'all'], { encoding: 'utf8', env: { PATH: process.env.PATH } }),
).map((t) => t.name);
for (const name of MESSAGING_TOOLS) {
  if (!TOOL_NAMES.includes(name)) throw new Error(`igmcp tools lacks ${name}`);
}

/* The environment for a spawned server: a minimal one, never any IG_*
 * setting of the developer's shell, but the sanitizer options when set.
 * Every toolset is on (IGMCP_TOOLSETS=all), since these tests exercise
 * every tool; a test of the default set passes --toolsets default. */
export function childEnv(extra = {}) {
  const env = { IGMCP_TOOLSETS: 'all' };
  for (const k of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'XDG_STATE_HOME', 'ASAN_OPTIONS',
                   'UBSAN_OPTIONS', 'LSAN_OPTIONS', 'TSAN_OPTIONS']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return { ...env, ...extra };
}

/* process.env without IG_* variables (for tools that pass their whole
 * environment on to the server, like the Inspector CLI). */
export function scrubbedProcessEnv() {
  const env = { ...process.env, IGMCP_TOOLSETS: 'all' };
  for (const k of Object.keys(env)) if (k.startsWith('IG_')) delete env[k];
  return env;
}

/* The sandbox credentials, read from src/sandbox/sandbox.h.  Returned as
 * {name: value}; callers must never print the values. */
export function sandboxSecrets() {
  const h = readFileSync(path.join(SRC, 'src/sandbox/sandbox.h'), 'utf8');
  const out = {};
  for (const name of ['SANDBOX_IG_TOKEN', 'SANDBOX_FB_TOKEN', 'SANDBOX_APP_SECRET']) {
    const m = h.match(new RegExp(`#define\\s+${name}\\s+"([^"]+)"`));
    if (!m) throw new Error(`cannot find ${name} in sandbox.h`);
    out[name] = m[1];
  }
  return out;
}

/* Fails, naming the secret but not showing it, when text contains one. */
export function assertNoSecrets(text, secrets, where) {
  for (const [name, value] of Object.entries(secrets)) {
    if (value.length >= 8 && text.includes(value)) {
      throw new Error(`${where} contains the value of ${name}`);
    }
  }
}

/* Under the ASan+UBSan build a child's report goes to its stderr, which
 * the test would otherwise ignore: a leak, an invalid access or undefined
 * behaviour in the server fails the test that started it. */
export function assertSanitizersQuiet(stderr, who) {
  const m = stderr.match(/ERROR: (AddressSanitizer|LeakSanitizer)[^\n]*|runtime error:[^\n]*/);
  if (m) throw new Error(`${who}: sanitizer report: ${m[0]}\n${stderr.slice(stderr.indexOf(m[0]), stderr.indexOf(m[0]) + 3000)}`);
}

/* Tests often close servers with .catch(() => {}), so the check is made
 * once more for every server this process started, when node exits: a
 * report there fails the test file whatever the tests caught. */
const started = [];
process.on('exit', () => {
  for (const [who, stderr] of started) {
    try {
      assertSanitizersQuiet(stderr(), who);
    } catch (e) {
      console.error(String(e.message));
      process.exitCode = 1;
    }
  }
});

/* Rejects after ms with a message saying what was awaited. */
export function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Polls fn until it returns a truthy value, which is returned. */
export async function waitFor(fn, { timeout = 10000, interval = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

const SANDBOX_RE = /sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/;

/* The sandbox's admin API. */
export class SandboxAdmin {
  constructor(url) {
    this.url = url;
  }

  async req(method, p, body, { okOnly = true } = {}) {
    const init = { method, signal: AbortSignal.timeout(10000) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const res = await fetch(`${this.url}/__sandbox/${p}`, init);
    const json = await res.json();
    if (okOnly && !res.ok) {
      throw new Error(`sandbox admin ${method} ${p}: HTTP ${res.status}: ${JSON.stringify(json)}`);
    }
    return json;
  }

  get(p) { return this.req('GET', p); }
  post(p, body = {}) { return this.req('POST', p, body); }
  del(p) { return this.req('DELETE', p); }

  /* Every conversation with its user, folder, size and window state. */
  async conversations() { return (await this.get('conversations')).data; }
  /* The Graph requests the sandbox saw, oldest first (secrets redacted). */
  requests() { return this.get('requests'); }
  clearRequests() { return this.del('requests'); }
  fault(f) { return this.post('faults', f); }
  clearFaults() { return this.del('faults'); }
  inbound(m) { return this.post('inbound', m); }
}

/* Spawns `igmcp serve --sandbox -v [extra]` under the SDK client.
 * Returns {client, transport, admin, stdout(), stderr(), protocolVersion,
 * exit, close()}.  Every byte of stdout and stderr is kept. */
export async function startSdkServer({ extraArgs = [], clientCapabilities = {}, env = {} } = {}) {
  const transport = new StdioClientTransport({
    command: BIN,
    args: ['serve', '--sandbox', '-v', ...extraArgs],
    env: childEnv(env),
    stderr: 'pipe',
  });
  let err = '';
  const outChunks = [];
  transport.stderr.on('data', (c) => { err += c.toString('utf8'); });
  /* Keep the raw stdout too: start() spawns the process, and a second
   * 'data' listener sees the same chunks as the transport's. */
  const origStart = transport.start.bind(transport);
  transport.start = async () => {
    await origStart();
    transport._process.stdout.on('data', (c) => outChunks.push(Buffer.from(c)));
    transport._process.on('exit', (code, signal) => { s.exit = { code, signal }; });
  };
  const s = { transport, protocolVersion: null, exit: null };
  transport.setProtocolVersion = (v) => { s.protocolVersion = v; };
  const client = new Client({ name: 'igmcp-e2e', version: '1.0.0' },
                            { capabilities: clientCapabilities });
  await withTimeout(client.connect(transport), 15000, 'initialize');
  const url = await waitFor(() => (err.match(SANDBOX_RE) || [])[1],
                            { timeout: 10000, what: 'the sandbox URL on stderr' });
  s.client = client;
  s.admin = new SandboxAdmin(url);
  s.stdout = () => Buffer.concat(outChunks).toString('utf8');
  s.stderr = () => err;
  started.push(['igmcp serve --sandbox', s.stderr]);
  s.closed = false;
  /* Closes stdin (the SDK then waits, and signals after 2 s) and waits
   * for the exit status, in s.exit. */
  s.close = async () => {
    if (s.closed) return;
    s.closed = true;
    await withTimeout(client.close(), 15000, 'closing the client');
    await waitFor(() => s.exit, { timeout: 10000, what: 'the server to exit' });
    assertSanitizersQuiet(err, 'igmcp serve --sandbox');
  };
  return s;
}

const HTTP_RE = /serving MCP on (http:\/\/\S+\/mcp)/;

/* Spawns `igmcp serve --sandbox --http 127.0.0.1:0 -v [extra]`, reads the
 * MCP URL from stderr and, unless connect is false, connects an SDK client
 * over Streamable HTTP (headers are sent on every request, e.g. a bearer
 * token).  Returns {client, transport, url, proc, admin, stderr(), exit,
 * connect(), close()}; exit is set to {code, signal} once the process
 * ends.  close() closes the client, sends SIGTERM and waits for the exit. */
export async function startHttpServer({ extraArgs = [], env = {}, headers = {},
                                        clientCapabilities = {}, connect = true } = {}) {
  const proc = spawn(BIN, ['serve', '--sandbox', '--http', '127.0.0.1:0', '-v', ...extraArgs],
                     { env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const s = { proc, exit: null, client: null, transport: null, closed: false };
  s.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { s.exit = { code, signal }; resolve(s.exit); });
  });
  proc.stderr.on('data', (c) => { err += c.toString('utf8'); });
  s.stderr = () => err;
  started.push(['igmcp serve --http', s.stderr]);
  try {
    s.url = await waitFor(() => (err.match(HTTP_RE) || [])[1] || (s.exit && 'exited'),
                          { timeout: 15000, what: 'the MCP URL on stderr' });
    if (s.url === 'exited') throw new Error(`igmcp exited: ${err.slice(-500)}`);
    s.admin = new SandboxAdmin(await waitFor(() => (err.match(SANDBOX_RE) || [])[1],
                                             { timeout: 10000, what: 'the sandbox URL' }));
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  s.connect = async () => {
    const transport = new StreamableHTTPClientTransport(new URL(s.url),
                                                        { requestInit: { headers } });
    const client = new Client({ name: 'igmcp-e2e-http', version: '1.0.0' },
                              { capabilities: clientCapabilities });
    await withTimeout(client.connect(transport), 15000, 'initialize over HTTP');
    return { client, transport };
  };
  if (connect) Object.assign(s, await s.connect());
  s.close = async () => {
    if (s.closed) return s.exit;
    s.closed = true;
    if (s.client) await withTimeout(s.client.close(), 10000, 'closing the client').catch(() => {});
    if (!s.exit) proc.kill('SIGTERM');
    const exit = await withTimeout(s.exited, 15000, 'the server to exit after SIGTERM');
    assertSanitizersQuiet(err, 'igmcp serve --http');
    return exit;
  };
  return s;
}

/* tools/call without the SDK's outputSchema check of callTool (which SDK
 * 1.32.2 also applies to isError results): for calls expected to fail. */
export function callRaw(client, name, args, options = {}) {
  return client.request({ method: 'tools/call', params: { name, arguments: args } },
                        CallToolResultSchema, { timeout: 30000, ...options });
}

/* The text of a result's first content item. */
export function textOf(result) {
  const c = result.content && result.content[0];
  return c && c.type === 'text' ? c.text : '';
}

/* A raw stdio session: the binary with pipes, one JSON message per line. */
export class RawServer {
  constructor(args = ['serve', '--sandbox', '-v']) {
    this.proc = spawn(BIN, args, { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = [];        // every complete stdout line, raw
    this.messages = [];     // [{at, msg}] parsed lines, in order
    this.bad = [];          // stdout lines that are not one JSON object
    this.stdoutBytes = [];
    this.stderrText = '';
    this.partial = Buffer.alloc(0);
    this.listeners = new Set();
    this.exit = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
    });
    this.proc.stdin.on('error', () => {}); // EPIPE after exit is reported by exit
    this.proc.stdout.on('data', (c) => this.onData(c));
    this.proc.stderr.on('data', (c) => { this.stderrText += c.toString('utf8'); });
  }

  onData(chunk) {
    this.stdoutBytes.push(Buffer.from(chunk));
    let buf = Buffer.concat([this.partial, chunk]);
    let nl;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      const line = buf.subarray(0, nl).toString('utf8');
      buf = buf.subarray(nl + 1);
      this.lines.push(line);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        msg = undefined;
      }
      if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
        this.bad.push(line.slice(0, 200));
        continue;
      }
      const entry = { at: Date.now(), msg };
      this.messages.push(entry);
      for (const l of this.listeners) l(entry);
    }
    this.partial = buf;
  }

  async sandboxUrl() {
    return waitFor(() => (this.stderrText.match(SANDBOX_RE) || [])[1],
                   { timeout: 10000, what: 'the sandbox URL on stderr' });
  }

  /* Writes raw bytes or a string; objects are serialized; adds '\n'. */
  send(data) {
    let buf;
    if (Buffer.isBuffer(data)) buf = data;
    else if (typeof data === 'string') buf = Buffer.from(data, 'utf8');
    else buf = Buffer.from(JSON.stringify(data), 'utf8');
    return new Promise((resolve, reject) => {
      this.proc.stdin.write(Buffer.concat([buf, Buffer.from('\n')]),
                            (e) => (e ? reject(e) : resolve()));
    });
  }

  request(id, method, params) {
    const m = { jsonrpc: '2.0', id, method };
    if (params !== undefined) m.params = params;
    return this.send(m);
  }

  notify(method, params) {
    const m = { jsonrpc: '2.0', method };
    if (params !== undefined) m.params = params;
    return this.send(m);
  }

  /* The first message matching pred, already received (from index since
   * of this.messages on) or still to come. */
  waitMessage(pred, timeout = 10000, what = 'a message', since = 0) {
    const found = this.messages.slice(since).find((e) => pred(e.msg));
    if (found) return Promise.resolve(found);
    let l;
    return withTimeout(new Promise((resolve) => {
      l = (e) => {
        if (pred(e.msg)) resolve(e);
      };
      this.listeners.add(l);
    }), timeout, what).finally(() => this.listeners.delete(l));
  }

  /* The response to id (result or error), as a message. */
  async response(id, timeout = 10000) {
    const e = await this.waitMessage((m) => m.id === id && ('result' in m || 'error' in m),
                                     timeout, `the response to id ${JSON.stringify(id)}`);
    return e.msg;
  }

  /* Request + response, measuring the round trip. */
  async call(id, method, params, timeout = 10000) {
    const t0 = Date.now();
    await this.request(id, method, params);
    const msg = await this.response(id, timeout);
    return { msg, ms: Date.now() - t0 };
  }

  async initialize(version = '2025-11-25') {
    const { msg } = await this.call('init', 'initialize', {
      protocolVersion: version,
      capabilities: {},
      clientInfo: { name: 'igmcp-e2e-raw', version: '1.0.0' },
    });
    await this.notify('notifications/initialized');
    return msg;
  }

  stdout() { return Buffer.concat(this.stdoutBytes).toString('utf8'); }

  /* Closes stdin and waits for the exit; kills after timeout. */
  async close(timeout = 10000) {
    this.proc.stdin.end();
    try {
      return await withTimeout(this.exit, timeout, 'the server to exit after EOF');
    } catch (e) {
      this.proc.kill('SIGKILL');
      throw e;
    }
  }

  kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
