// SPDX-License-Identifier: MIT
//
// inspector.test.mjs: the MCP Inspector CLI (0.15.0, bin mcp-inspector)
// runs `igmcp serve --sandbox` as a stdio server, as a user would:
//   mcp-inspector --cli $IGMCP_BIN serve --sandbox --method tools/list
//   mcp-inspector --cli $IGMCP_BIN serve --sandbox --method tools/call \
//       --tool-name ig_list_conversations --tool-arg limit=2
// and prints the JSON result on stdout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, TOOL_NAMES, assertNoSecrets, sandboxSecrets, scrubbedProcessEnv } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const INSPECTOR = path.join(here, 'node_modules', '.bin', 'mcp-inspector');
const secrets = sandboxSecrets();

/* Runs the Inspector CLI; resolves {code, signal, stdout, stderr}. */
function inspector(args, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const p = spawn(INSPECTOR, ['--cli', BIN, 'serve', '--sandbox', ...args], {
      env: scrubbedProcessEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c.toString('utf8'); });
    p.stderr.on('data', (c) => { stderr += c.toString('utf8'); });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`mcp-inspector ${args.join(' ')}: no exit within ${timeoutMs} ms`));
    }, timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      assertNoSecrets(stdout, secrets, 'Inspector stdout');
      assertNoSecrets(stderr, secrets, 'Inspector stderr');
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/* The JSON document the CLI printed (it may be preceded by other lines). */
function printedJson(stdout) {
  const start = stdout.indexOf('{');
  assert.ok(start >= 0, `no JSON on stdout: ${stdout.slice(0, 300)}`);
  return JSON.parse(stdout.slice(start));
}

test('tools/list lists every tool', async () => {
  const r = await inspector(['--method', 'tools/list']);
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(0, 500)}`);
  const doc = printedJson(r.stdout);
  assert.deepEqual(doc.tools.map((t) => t.name).sort(), [...TOOL_NAMES].sort());
  for (const t of doc.tools) {
    assert.equal(t.inputSchema.type, 'object');
    assert.ok(t.outputSchema);
    assert.ok(t.description.length > 0);
  }
});

test('tools/call ig_list_conversations limit=2 returns two conversations', async () => {
  const r = await inspector(['--method', 'tools/call', '--tool-name', 'ig_list_conversations',
                             '--tool-arg', 'limit=2']);
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(0, 500)}`);
  const doc = printedJson(r.stdout);
  assert.notEqual(doc.isError, true);
  assert.equal(doc.structuredContent.conversations.length, 2);
  assert.equal(doc.structuredContent.count, 2);
  assert.deepEqual(JSON.parse(doc.content[0].text), doc.structuredContent);
  for (const c of doc.structuredContent.conversations) {
    assert.ok(c.id);
    assert.ok(c.participants.every((p) => p.username));
  }
});

// igmcp puts {"error": {...}} in structuredContent of isError results, and
// every outputSchema admits that shape (anyOf required), because the SDK
// 1.32.2 client inside Inspector 0.15.0 checks structuredContent against
// the outputSchema even for errors (typescript-sdk #1943).  The user must
// get the tool's explanation, not a schema-mismatch message.
test('a tool error reaches the Inspector user with its explanation', async () => {
  const r = await inspector(['--method', 'tools/call', '--tool-name', 'ig_list_conversations',
                             '--tool-arg', 'limit=500']);
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(0, 500)}`);
  const doc = printedJson(r.stdout);
  assert.equal(doc.isError, true);
  assert.match(doc.content[0].text, /limit/);
  assert.match(doc.content[0].text, /100/);
});

// A guard: the whole file must not hang.
setTimeout(() => {
  console.error('inspector.test.mjs: overall time limit reached');
  process.exit(1);
}, 200000).unref();
