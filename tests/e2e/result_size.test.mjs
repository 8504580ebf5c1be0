// SPDX-License-Identifier: MIT
//
// result_size.test.mjs: the size of every tool's result on the sandbox, with
// the arguments that make it largest (the biggest page, response_format
// "detailed"), on both logins.  Any result over 10,000 tokens (the larger
// of gpt-tokenizer's o200k and cl100k counts of the text an agent reads)
// fails.  Every read-only tool must succeed on at least one login, so the
// figure measures a real answer; the largest results are printed.  The
// same run is the secrets sweep: no credential in any result, log line or
// byte of the store.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TOOL_NAMES, assertNoSecrets, sandboxSecrets, startSdkServer, textOf, withTimeout } from './lib.mjs';

const MAX_TOKENS = 10000;
let S; // Instagram Login
let F; // Facebook Login

/* The secrets sweep (README "Safety"): both servers log at debug level
 * and keep their store in a file; once every tool has run on both logins,
 * no credential may appear in any result, in stdout or stderr, or in any
 * byte of the database files. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'igmcp-secrets-'));
const results = [];

before(async () => {
  S = await startSdkServer({ extraArgs: ['-v', '--db', path.join(dir, 'ig.db')] });
  F = await startSdkServer({ extraArgs: ['-v', '--login', 'facebook', '--db', path.join(dir, 'fb.db')] });
});

after(async () => {
  for (const s of [S, F]) if (s) await s.close().catch(() => {});
  try {
    const secrets = sandboxSecrets();
    assertNoSecrets(results.join('\n'), secrets, 'a tool result');
    for (const [name, s] of [['ig', S], ['fb', F]]) {
      assert.ok(s.stderr().includes('graph: GET'), `${name}: debug logs were on`);
      assertNoSecrets(s.stdout(), secrets, `${name} stdout`);
      assertNoSecrets(s.stderr(), secrets, `${name} stderr`);
    }
    const files = readdirSync(dir);
    assert.ok(files.includes('ig.db') && files.includes('fb.db'), files.join(','));
    for (const f of files) {
      const bytes = readFileSync(path.join(dir, f)).toString('latin1');
      assert.ok(bytes.length > 0);
      assertNoSecrets(bytes, secrets, `database file ${f}`);
    }
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
});

async function call(s, name, args) {
  const r = await withTimeout(s.client.callTool({ name, arguments: args }), 60000, `${name} ${JSON.stringify(args)}`);
  results.push(JSON.stringify(r));
  return r;
}

async function data(s, name, args) {
  const r = await call(s, name, args);
  assert.notEqual(r.isError, true, `${name}: ${textOf(r)}`);
  return r.structuredContent;
}

/* IDs the arguments need, read from the sandbox through the tools. */
async function discover() {
  const convs = await S.admin.conversations();
  const big = [...convs].sort((a, b) => b.messages - a.messages)[0];
  const open = convs.find((c) => c.window === 'open') ?? big;
  const msgs = await data(S, 'ig_list_messages', { conversation_id: big.id, limit: 5 });
  const media = (await data(S, 'ig_list_media', { limit: 100 })).media;
  const carousel = media.find((m) => m.kind === 'carousel');
  const commented = [...media].sort((a, b) => b.comments_count - a.comments_count)[0];
  const comments = (await data(S, 'ig_list_comments', { media_id: commented.id, limit: 100 })).comments;
  const withReplies = comments.find((c) => c.replies_count > 0) ?? comments[0];
  const inbound = comments.find((c) => c.username !== 'sandbox.studio') ?? comments[0];
  const tagged = (await data(F, 'ig_list_tagged_media', { limit: 100 })).media;
  const mentioned = tagged.find((m) => (m.caption || '').includes('@sandbox.studio'));
  const newest = media[0];
  const newestComments = (await data(F, 'ig_list_comments', { media_id: newest.id })).comments;
  const mentionComment = newestComments.find((c) => (c.text || '').includes('@sandbox.studio'));
  const tag = await data(F, 'ig_search_hashtag', { hashtag: 'ceramics' });
  const invites = (await data(S, 'ig_list_collaboration_invites', {})).invites;
  const container = await data(S, 'ig_create_container', { kind: 'image', image_url: 'https://example.com/size/a.jpg' });
  return {
    big, open, message: msgs.messages[0], carousel, commented, withReplies, inbound, mentioned,
    newest, mentionComment, hashtagId: tag.id, invite: invites[0], containerId: container.container_id,
  };
}

/* The largest-result arguments of each tool. */
function argsFor(name, ids) {
  const cta = (i) => ({ question: `Question ${i}?`, payload: `Q${i}` });
  const detailed = { response_format: 'detailed' };
  const table = {
    ig_list_conversations: { limit: 100, ...detailed },
    ig_get_conversation: { conversation_id: ids.big.id, message_limit: 20, ...detailed },
    ig_list_messages: { conversation_id: ids.big.id, limit: 100, ...detailed },
    ig_get_message: { message_id: ids.message.id, ...detailed },
    ig_sync_inbox: { full: true },
    ig_send_message: { recipient_id: ids.open.user_id, text: 'x'.repeat(900) },
    ig_send_media: { recipient_id: ids.open.user_id, type: 'image', url: 'https://example.com/size/p.jpg' },
    ig_send_reaction: { recipient_id: ids.big.user_id, message_id: ids.message.id },
    ig_mark_seen: { recipient_id: ids.open.user_id },
    ig_set_typing: { recipient_id: ids.open.user_id },
    /* The store holds what the messaging tools above sent. */
    ig_list_inbox: { limit: 100, ...detailed },
    ig_get_history: { user: ids.open.user_id, limit: 200, ...detailed },
    ig_search_messages: { query: 'x*', limit: 100, ...detailed },
    ig_list_unanswered: { limit: 100, ...detailed },
    ig_list_inbox_events: { limit: 100, ...detailed },
    ig_get_account: { ...detailed },
    ig_list_linked_accounts: { limit: 100, ...detailed },
    ig_business_discovery: { username: 'bluebottle', media_limit: 50, ...detailed },
    ig_token_status: { ...detailed },
    ig_rate_limit_status: {},
    ig_list_accounts: { ...detailed },
    ig_audit_log: { limit: 200 },
    ig_renew_token: { action: 'exchange' },
    ig_get_app_info: { ...detailed },
    ig_list_media: { limit: 100, ...detailed },
    ig_get_media: { media_id: ids.carousel.id, ...detailed },
    ig_get_media_children: { media_id: ids.carousel.id, ...detailed },
    ig_list_stories: { limit: 100, ...detailed },
    ig_get_live_media: { ...detailed },
    ig_list_tagged_media: { limit: 100, ...detailed },
    ig_set_comments_enabled: { media_id: ids.newest.id, enabled: true },
    ig_delete_media: { media_id: ids.carousel.id },
    ig_list_collaboration_invites: { ...detailed },
    ig_respond_collaboration_invite: { media_id: ids.invite?.media_id ?? '1', accept: true },
    ig_create_container: { kind: 'carousel', items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => ({ image_url: `https://example.com/size/${i}.jpg` })), caption: 'c'.repeat(2000) },
    ig_get_container_status: { container_id: ids.containerId, ...detailed },
    ig_publish_container: { creation_id: ids.containerId },
    ig_publish: { kind: 'carousel', items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => ({ image_url: `https://example.com/size/${i}.jpg` })), caption: 'c'.repeat(2000) },
    ig_get_publishing_limit: { ...detailed },
    ig_list_comments: { media_id: ids.commented.id, limit: 100, ...detailed },
    ig_get_comment: { comment_id: ids.withReplies.id, ...detailed },
    ig_post_comment: { media_id: ids.newest.id, message: 'Lovely work, thank you!' },
    ig_hide_comment: { comment_id: ids.inbound.id, hidden: true },
    ig_delete_comment: { comment_id: ids.inbound.id },
    ig_send_private_reply: { comment_id: ids.inbound.id, text: 'Thanks! Sent you the details.' },
    ig_get_mentioned_media: { media_id: ids.mentioned?.id ?? '1', ...detailed },
    ig_get_mentioned_comment: { comment_id: ids.mentionComment?.id ?? '1', ...detailed },
    ig_reply_to_mention: { media_id: ids.mentioned?.id ?? '1', message: 'Thanks for the mention!' },
    ig_search_hashtag: { hashtag: 'ceramics', ...detailed },
    ig_get_hashtag: { hashtag_id: ids.hashtagId, ...detailed },
    ig_get_hashtag_media: { hashtag_id: ids.hashtagId, limit: 50, ...detailed },
    ig_list_recent_hashtag_searches: { ...detailed },
    ig_get_media_insights: { media_id: ids.newest.id, metrics: ['views', 'reach', 'likes', 'saved'], ...detailed },
    ig_get_account_insights: { metrics: ['views', 'reach'], metric_type: 'total_value', breakdown: 'media_product_type', ...detailed },
    ig_get_messenger_profile: { ...detailed },
    ig_update_messenger_profile: { ice_breakers: [{ locale: 'default', call_to_actions: [1, 2, 3, 4].map(cta) }] },
    ig_delete_messenger_profile: { fields: ['ice_breakers'] },
    ig_subscribe_webhooks: {},
    ig_list_webhook_subscriptions: {},
    ig_unsubscribe_webhooks: {},
  };
  return table[name];
}

test('every tool\'s largest result stays under 10,000 tokens', async () => {
  const ids = await discover();
  const tools = (await S.client.listTools()).tools;
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  /* Destructive tools last, so that they do not remove what others read. */
  const order = [...TOOL_NAMES].sort((a, b) =>
    Number(byName[a].annotations.destructiveHint === true) - Number(byName[b].annotations.destructiveHint === true));
  const sizes = [];
  const failedReads = [];
  for (const name of order) {
    const args = argsFor(name, ids);
    assert.ok(args, `result_size.test.mjs has no arguments for ${name}: add them`);
    let okOnce = false;
    for (const [login, s] of [['instagram', S], ['facebook', F]]) {
      const r = await call(s, name, args);
      const text = textOf(r);
      const tokens = Math.max(o200k(text), cl100k(text));
      sizes.push({ name, login, tokens, bytes: Buffer.byteLength(text), error: r.isError === true });
      assert.ok(tokens <= MAX_TOKENS, `${name} (${login}): a result of ${tokens} tokens`);
      if (!r.isError) okOnce = true;
      if (r.isError !== true && r.structuredContent)
        assert.equal(text, JSON.stringify(r.structuredContent), `${name}: compact text, no pretty-printing`);
    }
    if (!okOnce && byName[name].annotations.readOnlyHint) failedReads.push(name);
  }
  sizes.sort((a, b) => b.tokens - a.tokens);
  for (const s of sizes.slice(0, 8))
    console.log(`# ${s.name} (${s.login}${s.error ? ', error' : ''}): ${s.tokens} tokens, ${s.bytes} bytes`);
  assert.deepEqual(failedReads, [], 'every read-only tool answered on at least one login');
});
