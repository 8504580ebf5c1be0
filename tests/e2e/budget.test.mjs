// SPDX-License-Identifier: MIT
//
// budget.test.mjs: what the tool catalog costs an agent's context window.
// tools/list of the default set must fit in 8,000 tokens and of every
// toolset in 20,000, counted with real tokenizers (gpt-tokenizer's o200k
// and cl100k BPEs; the larger count is used) with JSON bytes / 4 as a
// cross-check; every description at most 1,000 characters, every name at
// most 40 characters of [a-z0-9_]; the default set at most 25 tools; no
// top-level combinator in an inputSchema (some model APIs reject the whole
// list for one); readOnlyHint always explicit.  The figures are printed.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { RawServer } from './lib.mjs';

const servers = [];

after(async () => {
  for (const s of servers) await s.close().catch(() => {});
});

/* The tools/list result a client receives from `serve --sandbox` with
 * the given selection flags, as the JSON text on the wire. */
async function listed(args) {
  const s = new RawServer(['serve', '--sandbox', ...args]);
  servers.push(s);
  await s.initialize();
  const { msg } = await s.call(2, 'tools/list', {});
  assert.equal(msg.error, undefined, JSON.stringify(msg.error));
  return { result: msg.result, text: JSON.stringify(msg.result) };
}

function cost(text) {
  const a = o200k(text);
  const b = cl100k(text);
  return { o200k: a, cl100k: b, tokens: Math.max(a, b), bytesOver4: Math.ceil(Buffer.byteLength(text) / 4) };
}

function checkTools(tools, label) {
  const names = new Set();
  for (const t of tools) {
    assert.ok(!names.has(t.name), `${label}: ${t.name} listed twice`);
    names.add(t.name);
    assert.match(t.name, /^[a-z0-9_]{1,40}$/, `${t.name}: name of at most 40 characters of [a-z0-9_]`);
    assert.ok(t.description.length <= 1000, `${t.name}: description of ${t.description.length} characters`);
    assert.ok(t.description.length >= 40, `${t.name}: description too short to be useful`);
    for (const k of ['anyOf', 'oneOf', 'allOf', 'not'])
      assert.equal(t.inputSchema[k], undefined, `${t.name}: top-level ${k} in inputSchema`);
    assert.equal(typeof t.annotations.readOnlyHint, 'boolean', `${t.name}: readOnlyHint explicit`);
  }
}

test('the default tools/list: at most 25 tools and 8,000 tokens', async () => {
  const { result, text } = await listed(['--toolsets', 'default']);
  assert.equal(result.nextCursor, undefined);
  checkTools(result.tools, 'default');
  const c = cost(text);
  console.log(`# default: ${result.tools.length} tools, ${Buffer.byteLength(text)} bytes, ` +
              `o200k ${c.o200k}, cl100k ${c.cl100k}, bytes/4 ${c.bytesOver4} tokens`);
  assert.ok(result.tools.length >= 10 && result.tools.length <= 25, `${result.tools.length} tools`);
  assert.ok(c.tokens <= 8000, `default tools/list costs ${c.tokens} tokens`);
  assert.ok(c.bytesOver4 <= 8000, `default tools/list is ${c.bytesOver4} tokens by bytes/4`);
  /* The common job is covered: conversations, comments, publishing,
   * reading media and the account. */
  const names = result.tools.map((t) => t.name);
  for (const n of ['ig_list_conversations', 'ig_list_messages', 'ig_send_message', 'ig_list_comments',
                   'ig_post_comment', 'ig_hide_comment', 'ig_publish', 'ig_list_media', 'ig_get_media',
                   'ig_get_account'])
    assert.ok(names.includes(n), `the default set has ${n}`);
});

test('every toolset: at most 20,000 tokens', async () => {
  const { result, text } = await listed(['--toolsets', 'all']);
  checkTools(result.tools, 'all');
  const c = cost(text);
  console.log(`# all: ${result.tools.length} tools, ${Buffer.byteLength(text)} bytes, ` +
              `o200k ${c.o200k}, cl100k ${c.cl100k}, bytes/4 ${c.bytesOver4} tokens`);
  for (const t of result.tools) {
    const one = cost(JSON.stringify(t));
    console.log(`#   ${t.name}: ${one.tokens} tokens`);
  }
  assert.ok(c.tokens <= 20000, `all tools/list costs ${c.tokens} tokens`);
  assert.ok(c.bytesOver4 <= 20000, `all tools/list is ${c.bytesOver4} tokens by bytes/4`);
});

test('read-only and single-toolset lists are smaller still', async () => {
  const all = await listed(['--toolsets', 'all']);
  const ro = await listed(['--toolsets', 'all', '--read-only']);
  assert.ok(ro.result.tools.length < all.result.tools.length);
  assert.ok(ro.result.tools.every((t) => t.annotations.readOnlyHint === true));
  assert.ok(cost(ro.text).tokens < cost(all.text).tokens);
});
