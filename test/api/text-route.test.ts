// POST /v1/text over real HTTP: auth, validation, conversations, LLM failures, no LLM.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { apology } from '../../src/assistant/phrases.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

for (const provider of ['openai', 'anthropic'] as const) {
  describe(`POST /v1/text (${provider})`, () => {
    let standIn: LlmStandIn;
    let server: TestServer;
    const text = (body: unknown, headers?: Record<string, string>) => postJson(`${server.url}/v1/text`, body, headers);

    before(async () => {
      standIn = await startLlmStandIn();
      server = await startTestServer(testEnv(standIn, provider, { LLM_TURN_TIMEOUT_MS: '500' }));
    });
    after(async () => {
      await server.close();
      await standIn.close();
    });
    beforeEach(() => standIn.reset());

    it('starts a conversation and continues it by call_id', async () => {
      standIn.enqueue({ text: 'Hello! How can I help?' }, { text: 'A check-up costs 40 EUR.' });
      const first = await text({ text: '  Hi there\u0007 ', language: 'en' });
      assert.equal(first.status, 200);
      assert.equal(first.body.reply, 'Hello! How can I help?');
      assert.equal(first.body.language, 'en');
      assert.equal(first.body.ended, false);
      assert.match(String(first.body.call_id), /^[0-9a-f-]{36}$/);

      const second = await text({ text: 'How much is a check-up?', call_id: first.body.call_id });
      assert.equal(second.status, 200);
      assert.equal(second.body.reply, 'A check-up costs 40 EUR.');
      assert.equal(second.body.call_id, first.body.call_id);
      const stored = await loadRecentMessages(server.db, String(first.body.call_id), 10);
      assert.deepEqual(stored.map((row) => row.text), ['Hi there', 'Hello! How can I help?', 'How much is a check-up?', 'A check-up costs 40 EUR.']);
    });

    it('answers in the requested language and marks the conversation ended after end_call', async () => {
      standIn.enqueue({ toolCalls: [{ name: 'end_call', input: {} }] }, { text: 'Do počutia!' });
      const reply = await text({ text: 'Ďakujem, dovidenia', language: 'sk' });
      assert.equal(reply.status, 200);
      assert.deepEqual({ ...reply.body, call_id: undefined }, { call_id: undefined, reply: 'Do počutia!', language: 'sk', ended: true });
      const again = await text({ text: 'Ešte niečo', call_id: reply.body.call_id });
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'conversation_ended');
    });

    it('answers 503 with the apology when the LLM is rate limited, and stores nothing of the turn', async () => {
      standIn.enqueue({ text: 'Hello!' });
      const first = await text({ text: 'Hi', language: 'en' });
      standIn.enqueue({ status: 429 });
      const failed = await text({ text: 'Are you there?', call_id: first.body.call_id });
      assert.equal(failed.status, 503);
      assert.equal(failed.body.reply, apology('en', 'rate_limited'));
      assert.equal(failed.body.error, 'rate_limited');
      const stored = await loadRecentMessages(server.db, String(first.body.call_id), 10);
      assert.equal(stored.length, 2);
    });

    it('answers 503 unauthorized when the provider rejects the key, with the general apology a caller would hear', async () => {
      for (const status of [401, 403]) {
        standIn.enqueue({ status });
        const failed = await text({ text: 'Hello?', language: 'uk' });
        assert.equal(failed.status, 503);
        assert.equal(failed.body.error, 'unauthorized');
        assert.equal(failed.body.reply, apology('uk', 'other'));
      }
    });

    it('answers 503 with the timeout apology when the LLM is slower than the deadline', async () => {
      standIn.enqueue({ hangMs: 1500 });
      const failed = await text({ text: 'Hello?', language: 'ru' });
      assert.equal(failed.status, 503);
      assert.equal(failed.body.error, 'timeout');
      assert.equal(failed.body.reply, apology('ru', 'timeout'));
    });

    it('rejects a missing or wrong key with 401', async () => {
      assert.equal((await text({ text: 'hi' }, { authorization: '' })).status, 401);
      const wrong = await text({ text: 'hi' }, { authorization: 'Bearer wrong-key-wrong-key' });
      assert.equal(wrong.status, 401);
      assert.match(String(wrong.body.message), /Authorization: Bearer/);
      assert.equal(standIn.requests.length, 0);
    });

    it('rejects an invalid body with 422 naming the field and the rule, storing nothing', async () => {
      const before = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
      const cases: [unknown, RegExp][] = [
        [{ text: '' }, /^text: must not be empty$/],
        [{ text: ' \u0000\u0008 ' }, /^text: must not be empty$/],
        [{ text: 'x'.repeat(4001) }, /^text: must be at most 4000 characters$/],
        [{ text: 'hi', language: 'de' }, /^language: must be one of en, ru, uk, sk$/],
        [{ text: 'hi', call_id: 'abc' }, /^call_id: must be a call_id/],
        [{}, /^text: /],
      ];
      for (const [body, message] of cases) {
        const reply = await text(body);
        assert.equal(reply.status, 422, JSON.stringify(body));
        assert.match(String(reply.body.message), message);
      }
      const after = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
      assert.deepEqual(after.rows, before.rows);
      assert.equal(standIn.requests.length, 0);
    });

    it('answers 404 for an unknown call_id', async () => {
      const reply = await text({ text: 'hi', call_id: '00000000-0000-4000-8000-000000000000' });
      assert.equal(reply.status, 404);
      assert.equal(reply.body.error, 'not_found');
    });
  });
}

describe('POST /v1/text without configuration', () => {
  it('explains that the API is disabled when API_KEY is unset', async () => {
    const server = await startTestServer(testEnv(null, 'openai', { API_KEY: '' }));
    try {
      const reply = await postJson(`${server.url}/v1/text`, { text: 'hi' });
      assert.equal(reply.status, 503);
      assert.match(String(reply.body.message), /disabled: set API_KEY/);
    } finally {
      await server.close();
    }
  });

  it('answers 503 naming the variables to set when no LLM is configured', async () => {
    const server = await startTestServer(testEnv(null));
    try {
      const reply = await postJson(`${server.url}/v1/text`, { text: 'hi' });
      assert.equal(reply.status, 503);
      assert.match(String(reply.body.message), /OPENAI_API_KEY.*ANTHROPIC_API_KEY/);
      const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
      assert.equal(rows[0]!.n, 0);
    } finally {
      await server.close();
    }
  });
});
