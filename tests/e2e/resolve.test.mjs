// SPDX-License-Identifier: MIT
//
// resolve.test.mjs: a Facebook Page id given where an Instagram account id
// belongs is resolved to the Page's instagram_business_account (as
// Composio does), for every user edge; a Page without a linked account,
// or a wrong id, gets a clear error.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SRC, callRaw, startSdkServer, textOf, withTimeout } from './lib.mjs';

const header = readFileSync(path.join(SRC, 'src/sandbox/sandbox.h'), 'utf8');
const define = (name) => header.match(new RegExp(`#define ${name} "([^"]+)"`))[1];
const PAGE_ID = define('SANDBOX_PAGE_ID');
const IG_ID = define('SANDBOX_IG_USER_ID');

let F;
after(async () => { if (F) await F.close(); });

test('a Page id stands for its Instagram account (Facebook Login)', async () => {
  F = await startSdkServer({ extraArgs: ['--login', 'facebook'] });
  const byPage = await withTimeout(
    F.client.callTool({ name: 'ig_list_media', arguments: { user_id: PAGE_ID, limit: 5 } }),
    15000, 'ig_list_media by Page id');
  assert.notEqual(byPage.isError, true, textOf(byPage));
  const byIg = await withTimeout(
    F.client.callTool({ name: 'ig_list_media', arguments: { user_id: IG_ID, limit: 5 } }),
    15000, 'ig_list_media by IG id');
  assert.ok(byPage.structuredContent.media.length > 0);
  assert.deepEqual(byPage.structuredContent.media.map((m) => m.id),
                   byIg.structuredContent.media.map((m) => m.id));
  await F.admin.clearRequests();
  await withTimeout(
    F.client.callTool({ name: 'ig_list_stories', arguments: { user_id: PAGE_ID } }),
    15000, 'ig_list_stories by Page id');
  const reqs = await F.admin.requests();
  assert.ok(reqs.some((q) => q.path.includes(`${IG_ID}/stories`)),
            'the stories edge was read on the Instagram account, not the Page');
  assert.ok(!reqs.some((q) => q.path.includes(`${PAGE_ID}/stories`)));
});

test('an id that is neither a Page nor an account is refused clearly', async () => {
  const r = await withTimeout(
    callRaw(F.client, 'ig_list_media', { user_id: '12345' }), 15000, 'bad id');
  assert.equal(r.isError, true);
  assert.match(textOf(r), /exist|permission|Page|account/i);
});
