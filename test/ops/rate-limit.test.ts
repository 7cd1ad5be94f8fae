// Rate limits over real HTTP: a caller's shared voice/SMS budget, /v1 429s, counters in Redis, and Redis going away.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { phrase } from '../../src/assistant/phrases.ts';
import type { Db } from '../../src/db/db.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { LOCAL_REDIS_URL, localRedisSkip, PrivateRedis, redisServerSkip } from '../helpers/redis.ts';
import { openTestDb, postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const localRedisSkipReason = await localRedisSkip();

const CALLER_LIMIT = 3;
const API_LIMIT = 2;
const LIMITED_EN = phrase('en', 'rate_limited_caller');

const limitsEnv = (extra: Record<string, string> = {}) => ({
  TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
  RATE_LIMIT_CALLER_PER_MINUTE: String(CALLER_LIMIT),
  RATE_LIMIT_API_PER_MINUTE: String(API_LIMIT),
  ...extra,
});

// Numbers unique to this run keep counters apart in a Redis that other runs share.
const randomCaller = () => `+1415${randomInt(2_000_000, 9_999_999)}`;

const decode = (text: string) => text.replaceAll('&apos;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

async function sms(server: TestServer, from: string, body: string): Promise<{ status: number; message: string | undefined; elapsedMs: number }> {
  const startedMs = performance.now();
  const result = await signedPost(server.url, '/twilio/sms', { MessageSid: messageSid(), AccountSid: accountSid(), From: from, To: '+14155550199', Body: body });
  const message = /<Message>([^<]*)<\/Message>/.exec(result.text)?.[1];
  return { status: result.status, message: message === undefined ? undefined : decode(message), elapsedMs: performance.now() - startedMs };
}

async function storedRows(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['conversations', 'conversation_messages', 'webhook_replies', 'callback_requests']) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

describe('rate limits (in memory)', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', limitsEnv()));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it("counts a caller's spoken turns and texts against one budget; re-prompts and greetings are free", async () => {
    const call = new PhoneCall(server.url, randomCaller());
    standIn.enqueue({ text: 'Dobrý deň, ako vám pomôžem?' }, { text: 'Máme otvorené do 17.' }, { text: 'SMS reply' });
    const greeting = await call.start('/twilio/incoming?language=sk');
    const first = await call.say(greeting.gatherAction!, 'Dobrý deň');
    const second = await call.expectDigits(first.gatherAction!, '1');
    assert.equal((await sms(server, call.from, 'And by text?')).message, 'SMS reply');
    // Silence is Twilio re-prompting, not the caller: it neither counts nor is refused.
    const reprompt = await call.silence(second.gatherAction!);
    assert.deepEqual(reprompt.says, [phrase('sk', 'reprompt')]);
    assert.equal(standIn.requests.length, CALLER_LIMIT);

    const storedBefore = await storedRows(server.db);
    const limited = await call.say(reprompt.gatherAction!, 'Ešte jedna otázka');
    assert.deepEqual(limited.says, [phrase('sk', 'rate_limited_caller')], 'in the language of the call');
    assert.equal(limited.gatherLanguage, 'sk-SK');
    assert.equal(limited.gatherAction, second.gatherAction, 'the same turn, so the call goes on');
    assert.equal(standIn.requests.length, CALLER_LIMIT, 'the LLM is not asked');
    assert.deepEqual(await storedRows(server.db), storedBefore, 'nothing of the limited turn is stored');
  });

  it('answers a limited text with a polite <Message>, storing nothing and not asking the LLM', async () => {
    const caller = randomCaller();
    standIn.enqueue({ text: 'one' }, { text: 'two' }, { text: 'three' });
    for (const expected of ['one', 'two', 'three']) assert.equal((await sms(server, caller, 'hello')).message, expected);
    const storedBefore = await storedRows(server.db);
    const limited = await sms(server, caller, 'hello again');
    assert.equal(limited.status, 200, 'Twilio does not accept 429');
    assert.equal(limited.message, LIMITED_EN);
    assert.equal(standIn.requests.length, CALLER_LIMIT);
    assert.deepEqual(await storedRows(server.db), storedBefore);

    standIn.enqueue({ text: 'Hello, other caller' });
    assert.equal((await sms(server, randomCaller(), 'hello')).message, 'Hello, other caller', 'another caller is unaffected');
  });

  it('answers 429 with Retry-After on /v1 once a client has spent its budget', async () => {
    standIn.enqueue({ text: 'one' }, { text: 'two' });
    for (let i = 0; i < API_LIMIT; i += 1) assert.equal((await postJson(`${server.url}/v1/text`, { text: 'hi' })).status, 200);
    const limited = await postJson(`${server.url}/v1/text`, { text: 'hi' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'rate_limited');
    assert.match(String(limited.body.message), /at most 2 a minute/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(standIn.requests.length, API_LIMIT);

    // Without a key the client is counted by address, separately from the key's budget.
    const anonymous = { authorization: '' };
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'hi' }, anonymous)).status, 401);
  });
});

describe('rate limits shared through Redis', { skip: localRedisSkipReason }, () => {
  let standIn: LlmStandIn;
  let db: Db;
  let servers: TestServer[];

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
    // A key of this run's own keeps its /v1 counter apart from other runs on the same Redis.
    const env = testEnv(standIn, 'openai', limitsEnv({ REDIS_URL: LOCAL_REDIS_URL, API_KEY: `test-key-${randomBytes(12).toString('hex')}` }));
    servers = [await startTestServer(env, { db }), await startTestServer(env, { db })];
  });
  after(async () => {
    for (const server of servers) await server.close();
    await db.close();
    await standIn.close();
  });

  it('spends one caller budget across two instances', async () => {
    const caller = randomCaller();
    standIn.enqueue({ text: 'one' }, { text: 'two' }, { text: 'three' });
    for (let i = 0; i < CALLER_LIMIT; i += 1) assert.equal((await sms(servers[i % 2]!, caller, 'hello')).message, ['one', 'two', 'three'][i]);
    assert.equal((await sms(servers[1]!, caller, 'hello')).message, LIMITED_EN);
    assert.equal((await sms(servers[0]!, caller, 'hello')).message, LIMITED_EN);
    assert.equal(standIn.requests.length, CALLER_LIMIT);
  });

  it('spends one /v1 budget across two instances', async () => {
    const key = servers[0]!.config.apiKey!;
    standIn.enqueue({ text: 'one' }, { text: 'two' });
    const post = (server: TestServer) => postJson(`${server.url}/v1/text`, { text: 'hi' }, { authorization: `Bearer ${key}` });
    assert.equal((await post(servers[0]!)).status, 200);
    assert.equal((await post(servers[1]!)).status, 200);
    const limited = await post(servers[0]!);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});

describe('rate limits when Redis goes away', { skip: redisServerSkip() }, () => {
  let standIn: LlmStandIn;
  let redis: PrivateRedis;
  let server: TestServer;
  const logLines: string[] = [];
  const logged = (text: string) => logLines.filter((line) => line.includes(text)).length;

  before(async () => {
    standIn = await startLlmStandIn();
    redis = await PrivateRedis.start();
    server = await startTestServer(testEnv(standIn, 'openai', limitsEnv({ REDIS_URL: redis.url, LOG_LEVEL: 'info' })), { logLines });
  });
  after(async () => {
    await server?.close();
    await redis?.stop();
    await standIn?.close();
  });

  it('lets requests through promptly while Redis is down, warns once, and limits again once it is back', async () => {
    const caller = randomCaller();
    const expectLimitedAfterBudget = async () => {
      standIn.reset();
      standIn.enqueue(...Array.from({ length: CALLER_LIMIT }, (_, i) => ({ text: `reply ${i}` })));
      for (let i = 0; i < CALLER_LIMIT; i += 1) assert.equal((await sms(server, caller, 'hello')).message, `reply ${i}`);
      assert.equal((await sms(server, caller, 'hello')).message, LIMITED_EN);
    };
    await expectLimitedAfterBudget();

    await redis.stop();
    standIn.reset();
    standIn.enqueue(...Array.from({ length: 2 * CALLER_LIMIT }, (_, i) => ({ text: `unlimited ${i}` })));
    for (let i = 0; i < 2 * CALLER_LIMIT; i += 1) {
      const answer = await sms(server, caller, 'hello');
      assert.equal(answer.status, 200);
      assert.equal(answer.message, `unlimited ${i}`, 'allowed, not limited');
      assert.ok(answer.elapsedMs < 1_000, `answered in ${Math.round(answer.elapsedMs)} ms`);
    }
    standIn.enqueue({ text: 'api still works' });
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'hi' })).status, 200);
    assert.equal(logged('Redis unavailable'), 1, 'one warning, not one per request');

    await redis.start();
    for (let waitedMs = 0; logged('Redis reachable again') === 0; waitedMs += 50) {
      assert.ok(waitedMs < 5_000, 'the app reconnects to Redis');
      await sleep(50);
    }
    await expectLimitedAfterBudget();
  });
});
