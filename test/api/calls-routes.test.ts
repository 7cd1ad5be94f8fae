// GET /v1/calls and GET /v1/calls/{id} over real HTTP: pages, filters, transcripts, auth and validation.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { recordCallStatus, openCallConversation } from '../../src/db/calls-repo.ts';
import { appendMessages, createConversation } from '../../src/db/conversations-repo.ts';
import { encodeCursor } from '../../src/api/pagination.ts';
import { allPages, apiRequest } from '../helpers/api-client.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

describe('GET /v1/calls', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  const get = (path: string, key?: string | null) => apiRequest(`${server.url}${path}`, { key });
  const setCreatedAt = (id: string, at: string) => server.db.query('UPDATE conversations SET created_at = $2::timestamptz WHERE id = $1', [id, at]);

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(async () => {
    standIn.reset();
    await server.db.query('DELETE FROM callback_requests; DELETE FROM conversations;');
  });

  it('pages through every conversation newest first, without duplicates or gaps, even when many share a timestamp', async () => {
    for (let i = 0; i < 7; i += 1) await createConversation(server.db, { channel: 'text', language: 'en' });
    // One transaction: now() is the same for all twelve, so only the id orders them.
    await server.db.transaction(async (tx) => {
      for (let i = 0; i < 12; i += 1) await createConversation(tx, { channel: 'sms', language: 'en', caller: '+14155550100' });
    });
    for (let i = 0; i < 4; i += 1) await createConversation(server.db, { channel: 'voice', language: 'sk' });
    const { rows } = await server.db.query<{ id: string }>('SELECT id FROM conversations ORDER BY created_at DESC, id DESC');

    const paged = await allPages(`${server.url}/v1/calls?limit=5`);
    assert.equal(paged.pages, 5);
    assert.deepEqual(paged.items.map((item) => item.id), rows.map((row) => row.id));

    const everything = await get('/v1/calls?limit=100');
    assert.equal((everything.body.items as unknown[]).length, 23);
    assert.equal(everything.body.next_cursor, null);
    const byDefault = await get('/v1/calls');
    assert.equal((byDefault.body.items as unknown[]).length, 20);
    assert.equal(typeof byDefault.body.next_cursor, 'string');
  });

  it('lists the fields of each conversation, the caller in E.164', async () => {
    const { conversation } = await openCallConversation(server.db, { callSid: 'CA00000000000000000000000000000001', caller: '+421900123456', language: 'sk' });
    await appendMessages(server.db, conversation.id, [
      { role: 'user', content: 'Dobrý deň' },
      { role: 'assistant', content: [{ type: 'text', text: 'Dobrý deň, ako vám môžem pomôcť?' }] },
    ]);
    await recordCallStatus(server.db, { callSid: 'CA00000000000000000000000000000001', status: 'completed', durationSeconds: 42 });

    const reply = await get('/v1/calls');
    assert.equal(reply.status, 200);
    const [item] = reply.body.items as Record<string, unknown>[];
    assert.deepEqual(Object.keys(item!).sort(), [
      'call_sid', 'caller', 'channel', 'created_at', 'duration_seconds', 'ended_at', 'id', 'language', 'message_count', 'status', 'updated_at',
    ]);
    assert.equal(item!.id, conversation.id);
    assert.equal(item!.channel, 'voice');
    assert.equal(item!.call_sid, 'CA00000000000000000000000000000001');
    assert.equal(item!.caller, '+421900123456');
    assert.equal(item!.language, 'sk');
    assert.equal(item!.status, 'completed');
    assert.equal(item!.duration_seconds, 42);
    assert.equal(item!.message_count, 2);
    assert.ok(!Number.isNaN(Date.parse(String(item!.created_at))));
    assert.ok(!Number.isNaN(Date.parse(String(item!.ended_at))));
  });

  it('filters by channel and status', async () => {
    const text = await createConversation(server.db, { channel: 'text', language: 'en' });
    const sms = await createConversation(server.db, { channel: 'sms', language: 'en', caller: '+14155550100' });
    const { conversation: voice } = await openCallConversation(server.db, { callSid: 'CA00000000000000000000000000000002', caller: null, language: 'en' });
    await recordCallStatus(server.db, { callSid: 'CA00000000000000000000000000000002', status: 'no-answer', durationSeconds: 0 });

    const ids = async (query: string) => ((await get(`/v1/calls?${query}`)).body.items as Record<string, unknown>[]).map((item) => item.id);
    assert.deepEqual(await ids('channel=sms'), [sms.id]);
    assert.deepEqual(await ids('channel=voice'), [voice.id]);
    assert.deepEqual(await ids('channel=text'), [text.id]);
    assert.deepEqual(await ids('status=no-answer'), [voice.id]);
    assert.deepEqual(new Set(await ids('status=active')), new Set([text.id, sms.id]));
    assert.deepEqual(await ids('channel=voice&status=active'), []);
  });

  it('filters by created_at with from (inclusive) and to (exclusive; a bare date includes its day)', async () => {
    const [may1, may31, june1] = [
      await createConversation(server.db, { channel: 'text', language: 'en' }),
      await createConversation(server.db, { channel: 'text', language: 'en' }),
      await createConversation(server.db, { channel: 'text', language: 'en' }),
    ];
    await setCreatedAt(may1.id, '2025-05-01T10:00:00Z');
    await setCreatedAt(may31.id, '2025-05-31T23:00:00Z');
    await setCreatedAt(june1.id, '2025-06-01T00:00:00Z');

    const ids = async (query: string) => {
      const reply = await get(`/v1/calls?${query}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return (reply.body.items as Record<string, unknown>[]).map((item) => item.id);
    };
    assert.deepEqual(await ids('from=2025-05-01&to=2025-05-31'), [may31.id, may1.id]);
    assert.deepEqual(await ids('from=2025-05-01T10:00:00Z&to=2025-06-01T00:00:00Z'), [may31.id, may1.id]);
    assert.deepEqual(await ids('from=2025-05-01T10:00:00.001Z'), [june1.id, may31.id]);
    assert.deepEqual(await ids(`from=${encodeURIComponent('2025-06-01T01:00:00+02:00')}`), [june1.id, may31.id]);
    assert.deepEqual(await ids('to=2025-05-01T10:00:00Z'), []);
    assert.deepEqual(await ids('from=2025-06-01&limit=1'), [june1.id]);
  });

  it('answers a conversation with its transcript, tool calls and results included', async () => {
    standIn.enqueue(
      { toolCalls: [{ name: 'take_message', input: { name: 'Anna', message: 'Please call me about the invoice' } }] },
      { text: 'I have noted your message, Anna.' },
    );
    const turn = await postJson(`${server.url}/v1/text`, { text: 'Please have someone call me, I am Anna', language: 'en' });
    assert.equal(turn.status, 200);
    const id = String(turn.body.call_id);

    const reply = await get(`/v1/calls/${id}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.id, id);
    assert.equal(reply.body.channel, 'text');
    const messages = reply.body.messages as Record<string, unknown>[];
    assert.equal(reply.body.message_count, messages.length);
    assert.deepEqual(messages.map((m) => [m.seq, m.role]), [[1, 'user'], [2, 'assistant'], [3, 'tool'], [4, 'assistant']]);
    assert.equal(messages[0]!.text, 'Please have someone call me, I am Anna');
    assert.deepEqual(messages[0]!.tool_calls, []);

    const [call] = messages[1]!.tool_calls as Record<string, unknown>[];
    assert.equal(call!.name, 'take_message');
    assert.deepEqual(call!.input, { name: 'Anna', message: 'Please call me about the invoice' });
    const [result] = messages[2]!.tool_results as Record<string, unknown>[];
    assert.equal(result!.name, 'take_message');
    assert.equal(result!.id, call!.id);
    assert.equal(result!.is_error, false);
    const { rows } = await server.db.query<{ id: string }>('SELECT id FROM callback_requests');
    assert.deepEqual(result!.output, { stored: true, reference: rows[0]!.id.slice(0, 8) });
    assert.equal(messages[3]!.text, 'I have noted your message, Anna.');
    assert.ok(messages.every((m) => !Number.isNaN(Date.parse(String(m.created_at)))));
  });

  it('answers 404 for an unknown id and 422 for a malformed one', async () => {
    const unknown = await get('/v1/calls/00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'not_found');
    const malformed = await get('/v1/calls/not-a-uuid');
    assert.equal(malformed.status, 422);
    assert.match(String(malformed.body.message), /^id: must be a call id/);
  });

  it('rejects invalid queries with 422 naming the field', async () => {
    const badDateCursor = encodeCursor({ at: '2025-02-31T00:00:00.000000Z', id: '00000000-0000-4000-8000-000000000000' });
    const cases: [string, RegExp][] = [
      ['limit=0', /^limit: must be a whole number from 1 to 100$/],
      ['limit=101', /^limit: must be a whole number from 1 to 100$/],
      ['limit=2.5', /^limit: must be a whole number from 1 to 100$/],
      ['limit=ten', /^limit: must be a whole number from 1 to 100$/],
      ['channel=fax', /^channel: must be one of voice, sms, text$/],
      ['status=DROP%20TABLE', /^status: must be a status/],
      ['from=yesterday', /^from: must be an ISO 8601 date/],
      ['to=2025-05-01T10:00:00', /^to: must be an ISO 8601 date/],
      ['from=2025-06-01&to=2025-05-01', /^to: must be later than from$/],
      ['cursor=garbage', /^cursor: must be a next_cursor from an earlier page$/],
      [`cursor=${badDateCursor}`, /^cursor: must be a next_cursor from an earlier page$/],
    ];
    for (const [query, message] of cases) {
      const reply = await get(`/v1/calls?${query}`);
      assert.equal(reply.status, 422, query);
      assert.equal(reply.body.error, 'invalid_request');
      assert.match(String(reply.body.message), message, query);
    }
  });

  it('answers 401 without the key', async () => {
    const conversation = await createConversation(server.db, { channel: 'text', language: 'en' });
    for (const path of ['/v1/calls', `/v1/calls/${conversation.id}`]) {
      assert.equal((await get(path, null)).status, 401, path);
      assert.equal((await get(path, 'wrong-key-wrong-key')).status, 401, path);
    }
  });
});
