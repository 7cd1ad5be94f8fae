// GET /v1/messages and POST /v1/messages/{id}/handled over real HTTP: pages, the handled filter, idempotence.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { insertCallbackRequest } from '../../src/db/callbacks-repo.ts';
import { createConversation } from '../../src/db/conversations-repo.ts';
import { allPages, apiRequest } from '../helpers/api-client.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

describe('/v1/messages', () => {
  let server: TestServer;
  const get = (path: string, key?: string | null) => apiRequest(`${server.url}${path}`, { key });
  const markHandled = (id: string, key?: string | null) => apiRequest(`${server.url}/v1/messages/${id}/handled`, { method: 'POST', key });
  const leave = (name: string, caller: string | null = '+14155550100') =>
    insertCallbackRequest(server.db, { conversationId: null, caller, name, message: `Please call ${name} back` });

  before(async () => {
    server = await startTestServer(testEnv(null));
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    await server.db.query('DELETE FROM callback_requests; DELETE FROM conversations;');
  });

  it('lists callback requests newest first with their call, and pages without duplicates or gaps', async () => {
    const conversation = await createConversation(server.db, { channel: 'voice', language: 'en', caller: '+14155550100' });
    const first = await insertCallbackRequest(server.db, { conversationId: conversation.id, caller: '+14155550100', name: 'Anna', message: 'About the invoice' });
    await server.db.transaction(async (tx) => {
      for (let i = 0; i < 9; i += 1) await insertCallbackRequest(tx, { conversationId: null, caller: null, name: `Batch ${i}`, message: 'Same moment' });
    });
    for (let i = 0; i < 3; i += 1) await leave(`Later ${i}`);
    const { rows } = await server.db.query<{ id: string }>('SELECT id FROM callback_requests ORDER BY created_at DESC, id DESC');

    const paged = await allPages(`${server.url}/v1/messages?limit=4`);
    assert.equal(paged.pages, 4);
    assert.deepEqual(paged.items.map((item) => item.id), rows.map((row) => row.id));

    const oldest = paged.items.at(-1)!;
    assert.equal(oldest.id, first.id);
    assert.deepEqual({ ...oldest, created_at: undefined }, {
      id: first.id,
      call_id: conversation.id,
      caller: '+14155550100',
      name: 'Anna',
      message: 'About the invoice',
      created_at: undefined,
      handled: false,
      handled_at: null,
    });
    assert.equal(Date.parse(String(oldest.created_at)), first.createdAt.getTime());
  });

  it('marks a request handled, idempotently, and filters on it', async () => {
    const open = await leave('Open');
    const done = await leave('Done');

    const marked = await markHandled(done.id);
    assert.equal(marked.status, 200);
    assert.equal(marked.body.id, done.id);
    assert.equal(marked.body.handled, true);
    assert.ok(!Number.isNaN(Date.parse(String(marked.body.handled_at))));

    const again = await markHandled(done.id);
    assert.equal(again.status, 200);
    assert.equal(again.body.handled_at, marked.body.handled_at, 'the first handled time is kept');

    const ids = async (query: string) => ((await get(`/v1/messages${query}`)).body.items as Record<string, unknown>[]).map((item) => item.id);
    assert.deepEqual(await ids('?handled=true'), [done.id]);
    assert.deepEqual(await ids('?handled=false'), [open.id]);
    // Both left within the same clock tick can tie on created_at, so only membership is certain here.
    assert.deepEqual(new Set(await ids('')), new Set([done.id, open.id]));
  });

  it('answers 404 for an unknown id and 422 for a malformed one or an invalid query', async () => {
    const unknown = await markHandled('00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'not_found');
    const malformed = await markHandled('42');
    assert.equal(malformed.status, 422);
    assert.match(String(malformed.body.message), /^id: must be a message id/);

    const cases: [string, RegExp][] = [
      ['handled=maybe', /^handled: must be true or false$/],
      ['limit=1000', /^limit: must be a whole number from 1 to 100$/],
      ['cursor=bm90IGEgY3Vyc29y', /^cursor: must be a next_cursor from an earlier page$/],
    ];
    for (const [query, message] of cases) {
      const reply = await get(`/v1/messages?${query}`);
      assert.equal(reply.status, 422, query);
      assert.match(String(reply.body.message), message, query);
    }
  });

  it('answers 401 without the key, and changes nothing', async () => {
    const request = await leave('Private');
    assert.equal((await get('/v1/messages', null)).status, 401);
    assert.equal((await markHandled(request.id, null)).status, 401);
    assert.equal((await markHandled(request.id, 'wrong-key-wrong-key')).status, 401);
    const { rows } = await server.db.query<{ handled_at: Date | null }>('SELECT handled_at FROM callback_requests WHERE id = $1', [request.id]);
    assert.equal(rows[0]!.handled_at, null);
  });
});
