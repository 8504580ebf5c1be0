// SPDX-License-Identifier: MIT
// Operator policy (README "Safety"): --dry-run stops every write tool
// before its first change and returns the exact request, while reads and
// read-only tools run as usual; nothing that changes anything reaches the
// sandbox.  --read-only hides and refuses write tools.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { callRaw, startSdkServer, textOf, withTimeout } from './lib.mjs';

const sessions = [];
after(async () => { for (const s of sessions) await s.close().catch(() => {}); });

async function start(extraArgs) {
  const s = await startSdkServer({ extraArgs });
  sessions.push(s);
  return s;
}

const IMG = 'https://cdn.example.com/photo.jpg';

/* Graph requests the sandbox saw that could change something. */
async function writes(s) {
  return (await s.admin.requests()).filter((q) => q.method !== 'GET');
}

test('--dry-run: write tools return the request they would send, and send nothing', async () => {
  const S = await start(['--dry-run']);
  const convs = (await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } })).structuredContent;
  assert.ok(convs.conversations.length === 1, 'reads still work');
  const me = (await S.admin.get('state')).ig_user_id;
  const user = convs.conversations[0].participants.find((p) => p.id !== me).id;
  const media = (await S.client.callTool({ name: 'ig_list_media', arguments: { limit: 1 } })).structuredContent.media[0].id;
  await S.admin.clearRequests();
  const cases = [
    ['ig_send_message', { recipient_id: user, text: 'hello' }, 'POST', /messages$/, (rq) => assert.equal(rq.json_body.message.text, 'hello')],
    ['ig_post_comment', { media_id: media, message: 'Nice one' }, 'POST', new RegExp(`${media}/comments$`), (rq) => assert.equal(rq.params.message, 'Nice one')],
    ['ig_publish', { kind: 'image', image_url: IMG, caption: 'dry' }, 'POST', /media$/, (rq) => assert.equal(rq.params.image_url, IMG)],
    ['ig_delete_media', { media_id: media }, 'DELETE', new RegExp(`${media}$`), () => {}],
  ];
  for (const [name, args, method, path, check] of cases) {
    const r = await withTimeout(callRaw(S.client, name, args), 30000, name);
    assert.equal(r.isError, true, `${name}: ${textOf(r).slice(0, 200)}`);
    const e = r.structuredContent.error;
    assert.equal(e.kind, 'dry_run', `${name}: ${textOf(r).slice(0, 300)}`);
    assert.equal(e.request.method, method, name);
    assert.match(e.request.path, path, name);
    assert.match(textOf(r), /nothing was changed/);
    check(e.request);
    assert.ok(!JSON.stringify(e).includes('IGAA'), 'no token in the dry-run request');
  }
  assert.deepEqual(await writes(S), [], 'no write reached the sandbox');
  /* A read-only tool is not affected. */
  const st = await S.client.callTool({ name: 'ig_token_status', arguments: {} });
  assert.notEqual(st.isError, true);
});

test('--read-only: write tools are neither listed nor run', async () => {
  const S = await start(['--read-only']);
  const { tools } = await S.client.listTools();
  assert.ok(tools.length > 10);
  for (const t of tools) assert.equal(t.annotations?.readOnlyHint, true, `${t.name} is listed`);
  await assert.rejects(callRaw(S.client, 'ig_send_message', { recipient_id: '1234', text: 'x' }),
                       /refused: the server runs read-only/);
  assert.deepEqual(await writes(S), []);
});

test('--confirm-writes: the user is asked through elicitation; yes sends, no refuses, reads are not asked', async () => {
  const S = await startSdkServer({ extraArgs: ['--confirm-writes'], clientCapabilities: { elicitation: {} } });
  sessions.push(S);
  const asked = [];
  let answer = { action: 'accept', content: { confirm: true } };
  S.client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params);
    return answer;
  });
  const convs = (await S.client.callTool({ name: 'ig_list_conversations', arguments: { limit: 1 } })).structuredContent;
  assert.equal(asked.length, 0, 'a read is not asked');
  const me = (await S.admin.get('state')).ig_user_id;
  const user = convs.conversations[0].participants.find((p) => p.id !== me).id;
  await S.admin.clearRequests();
  const sent = await S.client.callTool({ name: 'ig_send_message', arguments: { recipient_id: user, text: 'confirmed' } });
  assert.notEqual(sent.isError, true, textOf(sent));
  assert.equal(asked.length, 1);
  assert.match(asked[0].message, /ig_send_message/);
  assert.match(asked[0].message, /confirmed/);
  assert.equal(asked[0].requestedSchema.properties.confirm.type, 'boolean');
  assert.equal((await writes(S)).length, 1, 'the accepted send went out once');
  for (const a of [{ action: 'decline' }, { action: 'cancel' }, { action: 'accept', content: { confirm: false } }]) {
    answer = a;
    await S.admin.clearRequests();
    const r = await callRaw(S.client, 'ig_send_message', { recipient_id: user, text: 'refused' });
    assert.equal(r.isError, true, JSON.stringify(a));
    assert.equal(r.structuredContent.error.kind, 'declined_by_user');
    assert.match(textOf(r), /declined/);
    assert.deepEqual(await writes(S), [], 'nothing sent after a refusal');
  }
  /* A private write (typing indicator) is not asked. */
  const n = asked.length;
  answer = { action: 'decline' };
  await S.client.callTool({ name: 'ig_set_typing', arguments: { recipient_id: user, on: true } }).catch(() => {});
  assert.equal(asked.length, n);
});

test('--confirm-writes with a client that cannot be asked: public writes are refused with the reason', async () => {
  const S = await start(['--confirm-writes']);
  await S.admin.clearRequests();
  const r = await callRaw(S.client, 'ig_post_comment', { media_id: '17900000000000001', message: 'hi' });
  assert.equal(r.isError, true);
  assert.equal(r.structuredContent.error.kind, 'confirmation_unavailable');
  assert.match(textOf(r), /elicitation/);
  assert.deepEqual(await writes(S), []);
});

test('ids never reach another path or parameter: /, ?, &, %2F, .. and spaces are refused before any request', async () => {
  const S = await start([]);
  await S.admin.clearRequests();
  const bad = ['17900000000000001/comments', '1790?fields=access_token', '1790&x=1', '1790%2Fx', '..', '1790 1', 'me/../x'];
  const cases = [['ig_get_media', 'media_id'], ['ig_delete_comment', 'comment_id'], ['ig_get_message', 'message_id'],
                 ['ig_send_message', 'recipient_id'], ['ig_list_comments', 'media_id'], ['ig_get_conversation', 'conversation_id']];
  for (const [tool, field] of cases) {
    for (const id of bad) {
      const args = { [field]: id };
      if (tool === 'ig_send_message') args.text = 'x';
      const r = await callRaw(S.client, tool, args).catch((e) => ({ isError: true, content: [{ type: 'text', text: String(e) }] }));
      assert.equal(r.isError, true, `${tool} ${field}=${id}`);
      assert.match(textOf(r), new RegExp(`${field}|Graph path`), `${tool} says why`);
    }
  }
  assert.deepEqual(await S.admin.requests(), [], 'no request reached the sandbox');
});
