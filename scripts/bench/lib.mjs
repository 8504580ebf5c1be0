// SPDX-License-Identifier: MIT
//
// lib.mjs: what the benchmarks share: statistics, process probes
// (/proc RSS and CPU), a raw JSON-RPC client over stdio that does as little
// work as it can per message (so that the figures are the server's, not
// the client's), raw Streamable HTTP requests, and free ports.  Only
// node's own modules: the harness measures servers, it is not one.

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export const QUICK = process.env.BENCH_QUICK === '1';
export const PROTO = '2025-06-18';
export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* {med, lo, hi, n} of an array of numbers: median and min-max. */
export function stat(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const med = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { med, lo: s[0], hi: s[n - 1], n };
}

/* Runs fn once as a warm-up, then reps times; the stat of its results. */
export async function repeat(reps, fn) {
  await fn(-1);
  const xs = [];
  for (let i = 0; i < reps; i++) xs.push(await fn(i));
  return stat(xs);
}

/* Resident set of a process, in KiB (VmRSS). */
export function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : NaN;
}

/* User + system CPU of a process, in microseconds. */
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux
export function cpuUs(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US; // utime, stime
}

/* Private (unshared) memory of a process, in KiB: USS, from smaps_rollup. */
export function ussKiB(pid) {
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const get = (k) => Number((t.match(new RegExp(`${k}:\\s+(\\d+)`)) || [0, 0])[1]);
  return get('Private_Clean') + get('Private_Dirty');
}

/* CPU (µs) of a process's live threads whose name matches re. */
export function threadCpuUs(pid, re) {
  let sum = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      if (!re.test(name)) continue;
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      sum += (Number(f[11]) + Number(f[12])) * TICK_US;
    } catch { /* the thread ended */ }
  }
  return sum;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/* The id of a JSON-RPC answer, found near either end of the line without
 * parsing the whole (tools/list answers are tens of KB). */
const ID_RE = /"id":(\d+)/;
function lineId(buf) {
  const head = buf.subarray(0, 64).toString('latin1').match(ID_RE);
  if (head) return Number(head[1]);
  const tail = buf.subarray(Math.max(0, buf.length - 64)).toString('latin1').match(ID_RE);
  if (tail) return Number(tail[1]);
  const j = JSON.parse(buf.toString('utf8'));
  return typeof j.id === 'number' ? j.id : null;
}

/* A server on stdio: one JSON-RPC message per line.  req() resolves to
 * the answer's raw line (a Buffer); parse it only when needed. */
export class Stdio {
  constructor(cmd, args, env) {
    this.t0 = now();
    this.proc = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    this.pending = new Map();
    this.next = 1;
    this.err = '';
    this.rest = null;
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    this.proc.stdin.on('error', () => {});
    this.proc.stderr.on('data', (c) => { this.err += c.toString('utf8'); });
    this.proc.stdout.on('data', (c) => this.onData(c));
  }

  onData(c) {
    let buf = this.rest ? Buffer.concat([this.rest, c]) : c;
    let at;
    while ((at = buf.indexOf(10)) >= 0) {
      const line = buf.subarray(0, at);
      buf = buf.subarray(at + 1);
      if (line.length === 0) continue;
      const id = lineId(line);
      const p = id !== null ? this.pending.get(id) : undefined;
      if (p) {
        this.pending.delete(id);
        p(line);
      }
    }
    this.rest = buf.length ? Buffer.from(buf) : null;
  }

  req(method, params) {
    const id = this.next++;
    const msg = params === undefined ? { jsonrpc: '2.0', id, method }
                                     : { jsonrpc: '2.0', id, method, params };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.proc.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  notify(method) {
    this.proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', method }) + '\n');
  }

  /* initialize + initialized; resolves ms from spawn to the answer. */
  async init() {
    const line = await this.req('initialize', {
      protocolVersion: PROTO, capabilities: {}, clientInfo: { name: 'igmcp-bench', version: '1' },
    });
    const ms = now() - this.t0;
    const j = JSON.parse(line.toString('utf8'));
    if (!j.result) throw new Error(`initialize failed: ${line.toString('utf8').slice(0, 300)}`);
    this.notify('notifications/initialized');
    return ms;
  }

  async call(name, args) {
    return this.req('tools/call', { name, arguments: args });
  }

  async close() {
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

/* A call's answer, parsed; throws on a JSON-RPC error or isError. */
export function okResult(line, what) {
  const j = JSON.parse(line.toString('utf8'));
  if (j.error || !j.result || j.result.isError) {
    throw new Error(`${what} failed: ${line.toString('utf8').slice(0, 400)}`);
  }
  return j.result;
}

/* Runs n calls of fn, `inflight` at a time; resolves the wall ms. */
export async function drive(n, inflight, fn) {
  let started = 0;
  const t0 = now();
  async function lane() {
    while (started < n) {
      started++;
      await fn(started);
    }
  }
  await Promise.all(Array.from({ length: inflight }, lane));
  return now() - t0;
}

/* Raw Streamable HTTP: POSTs of JSON-RPC over a keep-alive agent. */
export class HttpPeer {
  constructor(url, agent = new http.Agent({ keepAlive: true, maxSockets: 64 })) {
    this.url = new URL(url);
    this.agent = agent;
    this.session = null;
    this.next = 1;
  }

  headers(extra = {}) {
    const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
                'MCP-Protocol-Version': PROTO, ...extra };
    if (this.session) h['Mcp-Session-Id'] = this.session;
    return h;
  }

  /* POSTs one message; resolves {status, headers, body}. */
  post(msg) {
    const body = JSON.stringify(msg);
    return new Promise((resolve, reject) => {
      const r = http.request({ host: this.url.hostname, port: this.url.port, path: this.url.pathname,
                               method: 'POST', agent: this.agent,
                               headers: this.headers({ 'Content-Length': Buffer.byteLength(body) }) },
                             (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                                      body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(body);
    });
  }

  async req(method, params) {
    const msg = { jsonrpc: '2.0', id: this.next++, method };
    if (params !== undefined) msg.params = params;
    const r = await this.post(msg);
    if (r.status !== 200) throw new Error(`${method}: HTTP ${r.status}: ${r.body.toString().slice(0, 200)}`);
    return r;
  }

  async init() {
    const r = await this.req('initialize', {
      protocolVersion: PROTO, capabilities: {}, clientInfo: { name: 'igmcp-bench', version: '1' },
    });
    this.session = r.headers['mcp-session-id'] || null;
    const n = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (n.status >= 300) throw new Error(`initialized: HTTP ${n.status}`);
  }

  /* Opens the session's GET stream and leaves it open; resolves the
   * request once the answer's headers arrive. */
  openStream() {
    return new Promise((resolve, reject) => {
      const r = http.request({ host: this.url.hostname, port: this.url.port, path: this.url.pathname,
                               method: 'GET', agent: this.agent,
                               headers: this.headers({ Accept: 'text/event-stream' }) },
                             (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET stream: HTTP ${res.statusCode}`));
        res.on('data', () => {});
        res.on('error', () => {});
        resolve(r);
      });
      r.on('error', (e) => { if (!r.destroyed) reject(e); });
      r.end();
    });
  }
}
