// Fuzzes /v1 over real HTTP with hostile JSON bodies, query strings, paths and model replies: never a 5xx, never a broken string back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { cleanText } from '../../src/clean-text.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { openDb } from '../../src/db/open-db.ts';
import { MAX_TEXT_LENGTH } from '../../src/api/text-route.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, TEST_API_KEY, testEnv, type TestServer } from '../helpers/test-app.ts';
import { fuzzParameters, hostileText, shortHostileText } from './hostile-text.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const postgresSkip = await pgSkip();

interface Answer {
  status: number;
  text: string;
  body: unknown;
}

async function send(server: TestServer, method: string, target: string, init: { contentType?: string; body?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_API_KEY}` };
  if (init.contentType) headers['content-type'] = init.contentType;
  const response = await fetch(server.url + target, { method, headers, body: init.body });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Audio, or an empty body: not JSON, and that is fine.
  }
  return { status: response.status, text, body };
}

/** Every string in a JSON answer is well-formed: no lone surrogate was stored or echoed. */
function assertWellFormedStrings(value: unknown, where: string): void {
  if (typeof value === 'string') assert.ok(value.isWellFormed(), `lone surrogate in ${where}: ${JSON.stringify(value).slice(0, 120)}`);
  else if (Array.isArray(value)) value.forEach((item, index) => assertWellFormedStrings(item, `${where}[${index}]`));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) assertWellFormedStrings(item, `${where}.${key}`);
}

/** A query value or path segment as a client would put it in a URL: percent-encoded UTF-8, or raw bytes that decode to nothing valid. */
const urlPiece = fc.oneof(
  shortHostileText.map((text) => encodeURIComponent(text.toWellFormed())),
  fc.constantFrom('%ED%A0%80', '%FF', '%', '%EF%BF%BE', '..', '%00', 'a%2Fb'),
);

const anyValue = fc.oneof(hostileText, fc.jsonValue(), fc.constantFrom('en', 'sk', 'alloy', 'mp3', 1, 0.25, 4, null, true));

const textBody = fc.record(
  { text: hostileText, language: fc.oneof(fc.constantFrom('en', 'ru', 'uk', 'sk'), anyValue), call_id: anyValue },
  { requiredKeys: ['text'] },
);

const ttsBody = fc.record({ text: hostileText, voice: anyValue, model: anyValue, response_format: anyValue, speed: anyValue }, { requiredKeys: ['text'] });

const CONTENT_TYPES = ['application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/json; charset=utf-16'];

/** A /v1/text request of the right shape: its text is what is hostile. */
const wellShapedText = fc.record({
  kind: fc.constant('text' as const),
  body: fc.record({ text: hostileText, language: fc.constantFrom('en', 'ru', 'uk', 'sk') }, { requiredKeys: ['text'] }),
  contentType: fc.constant('application/json'),
});

/** One /v1 request: a route, and what goes in its body, query or path. */
const apiRequest = fc.oneof(
  { arbitrary: wellShapedText, weight: 4 },
  fc.record({ kind: fc.constant('text' as const), body: textBody, contentType: fc.constantFrom(...CONTENT_TYPES) }),
  fc.record({ kind: fc.constant('tts' as const), body: ttsBody, contentType: fc.constantFrom(...CONTENT_TYPES) }),
  fc.record({ kind: fc.constant('raw' as const), path: fc.constantFrom('/v1/text', '/v1/tts'), body: fc.oneof(hostileText, fc.json()), contentType: fc.constantFrom(...CONTENT_TYPES) }),
  fc.record({
    kind: fc.constant('list' as const),
    path: fc.constantFrom('/v1/calls', '/v1/messages'),
    query: fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'channel', 'status', 'from', 'to', 'handled', 'x'), urlPiece), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('item' as const), path: fc.constantFrom('/v1/calls/', '/v1/messages/'), id: urlPiece }),
);

type ApiRequest = typeof apiRequest extends fc.Arbitrary<infer T> ? T : never;

async function sendRequest(server: TestServer, request: ApiRequest): Promise<Answer> {
  switch (request.kind) {
    case 'text':
    case 'tts':
      // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse turns back into one.
      return send(server, 'POST', `/v1/${request.kind}`, { contentType: request.contentType, body: JSON.stringify(request.body) });
    case 'raw':
      return send(server, 'POST', request.path, { contentType: request.contentType, body: request.body });
    case 'list':
      return send(server, 'GET', `${request.path}?${request.query.map(([key, value]) => `${key}=${value}`).join('&')}`);
    case 'item':
      return request.path === '/v1/messages/' ? send(server, 'POST', `/v1/messages/${request.id}/handled`) : send(server, 'GET', `/v1/calls/${request.id}`);
  }
}

/** Whether /v1/text must accept this request: JSON, text that is 1..4000 characters once cleaned, and valid optional fields. */
function textAccepted(request: ApiRequest): boolean {
  if (request.kind !== 'text' || request.contentType !== 'application/json') return false;
  const { text, language } = request.body;
  const callId = 'call_id' in request.body ? request.body.call_id : undefined;
  const characters = [...cleanText(text)].length;
  return characters >= 1 && characters <= MAX_TEXT_LENGTH && callId === undefined && (language === undefined || ['en', 'ru', 'uk', 'sk'].includes(String(language)));
}

/** The fuzz: model replies are hostile too, and now and then a take_message call with hostile name and message. */
function fuzzApi(context: () => { server: TestServer; standIn: LlmStandIn }, requests: fc.Arbitrary<ApiRequest>, numRuns: number) {
  return async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(requests, hostileText, fc.option(fc.tuple(shortHostileText, hostileText), { freq: 4 }), async (request, modelReply, message) => {
        const { server, standIn } = context();
        standIn.reset();
        standIn.setFallbackReply({ text: modelReply });
        if (message) standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: message[0], message: message[1] } }] });
        const answer = await sendRequest(server, request);
        assert.ok(answer.status < 500, `${answer.status} for ${JSON.stringify(request).slice(0, 300)}: ${answer.text.slice(0, 300)}`);
        assertWellFormedStrings(answer.body, 'the answer');
        if (textAccepted(request)) {
          assert.equal(answer.status, 200, answer.text.slice(0, 300));
          accepted += 1;
          // The stored turn reads back: the transcript and the messages taken render as JSON too.
          const callId = (answer.body as { call_id: string }).call_id;
          for (const target of [`/v1/calls/${callId}`, '/v1/messages?limit=100']) {
            const stored = await send(server, 'GET', target);
            assert.equal(stored.status, 200, stored.text.slice(0, 300));
            assertWellFormedStrings(stored.body, target);
          }
        }
      }),
      fuzzParameters(numRuns),
    );
    assert.ok(accepted > 3, `only ${accepted} /v1/text requests were accepted: the reply path was not fuzzed`);
  };
}

const API_ENV = { RATE_LIMIT_API_PER_MINUTE: '1000000' };

describe('fuzzing /v1 over HTTP (PGlite)', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  before(async () => {
    standIn = await startLlmStandIn();
    // Speech through the stand-in's OpenAI side, so that /v1/tts is fuzzed past its configuration check.
    const speech = { LLM_PROVIDER: 'anthropic', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: standIn.openaiBaseUrl };
    server = await startTestServer(testEnv(standIn, 'anthropic', { ...API_ENV, ...speech, LLM_STREAMING: 'true' }));
  });
  after(async () => {
    await server?.close();
    await standIn?.close();
  });

  it('hostile bodies, queries, paths and model replies: no 5xx, only well-formed strings back', fuzzApi(() => ({ server, standIn }), apiRequest, 150));

  it('a lone surrogate or noncharacter from the caller and from the model: the turn is answered and stored', async () => {
    standIn.reset();
    standIn.setFallbackReply({ text: 'sure \uD800 thing \uFFFF\u0000 done \uDE00' });
    const answer = await send(server, 'POST', '/v1/text', { contentType: 'application/json', body: '{"text":"hi \\ud800 there \\uffff","language":"en"}' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.body as { reply: string }).reply, 'sure \uFFFD thing \uFFFD done \uFFFD');
    const stored = await send(server, 'GET', `/v1/calls/${(answer.body as { call_id: string }).call_id}`);
    const texts = (stored.body as { messages: { text: string }[] }).messages.map((message) => message.text);
    assert.deepEqual(texts, ['hi \uFFFD there \uFFFD', 'sure \uFFFD thing \uFFFD done \uFFFD']);
  });
});

describe('fuzzing /v1/text on PostgreSQL, whose jsonb refuses \\ud800', { skip: postgresSkip }, () => {
  let standIn: LlmStandIn;
  let database: TestDatabase;
  let db: Db;
  let server: TestServer;
  before(async () => {
    standIn = await startLlmStandIn();
    database = (await createTestDatabase())!;
    const env = testEnv(standIn, 'openai', { ...API_ENV, DATABASE_URL: database.url });
    db = await openDb(loadConfig(env).database);
    server = await startTestServer(env, { db });
  });
  after(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
    await standIn?.close();
  });

  it('hostile text in and out: no 5xx, the turn stored', fuzzApi(() => ({ server, standIn }), wellShapedText, 40));
});
