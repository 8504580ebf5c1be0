// SPDX-License-Identifier: MIT
//
// profile.mjs: one benchmark workload with igmcp under `perf record`, for
// the profiles that explain a missed budget (bench/PROFILES.md).  Prints
// the perf.data path; read it with
//   perf report -i FILE --no-children --sort dso,symbol --stdio
//
// Usage: node scripts/bench/profile.mjs BIN list|call|read|send|start [N]

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Stdio, drive, okResult, waitFor } from './lib.mjs';

const [, , BIN, what = 'list', nArg] = process.argv;
const N = Number(nArg || 5000);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'igmcp-prof-'));
const data = path.join(tmp, 'perf.data');
const env = { PATH: process.env.PATH, HOME: tmp, XDG_STATE_HOME: tmp, IGMCP_TOOLSETS: 'all',
              IG_LOGIN: 'instagram', IG_ACCESS_TOKEN: 'bench-token-' + 'b'.repeat(20),
              IG_GRAPH_URL: 'http://127.0.0.1:9', IG_USER_ID: '17841400000000088' };
const sandbox = what === 'read' || what === 'send';
const args = sandbox ? ['serve', '--sandbox', '-v'] : ['serve', '--db', path.join(tmp, 'db')];
if (sandbox) for (const k of ['IG_LOGIN', 'IG_ACCESS_TOKEN', 'IG_GRAPH_URL', 'IG_USER_ID']) delete env[k];
const p = new Stdio('perf', ['record', '-F', '4999', '-g', '-o', data, '--', BIN, ...args], env);
await p.init();
let recipient = null;
if (what === 'send') {
  const url = await waitFor(() => (p.err.match(/sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/) || [])[1],
                            10000, 'the sandbox URL');
  const convs = (await (await fetch(`${url}/__sandbox/conversations`)).json()).data;
  recipient = convs.find((c) => c.window === 'open' && c.folder === 'inbox').user_id;
}
let k = 0;
const calls = {
  start: null,
  list: () => p.req('tools/list'),
  call: () => p.call('ig_list_unanswered', {}),
  read: async () => okResult(await p.call('ig_list_conversations', { limit: 25 }), 'read'),
  send: async () => okResult(await p.call('ig_send_message', { recipient_id: recipient, text: `p ${k++}` }), 'send'),
};
if (calls[what]) await drive(N, 1, calls[what]);
await p.close();
console.log(data);
