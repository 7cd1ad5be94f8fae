// GET /metrics: Prometheus text per app, and the figures moving with real traffic.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { scrape, type Scrape } from '../helpers/prometheus.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const twilioEnv = { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN };

const sms = (server: TestServer, body: string) =>
  signedPost(server.url, '/twilio/sms', { MessageSid: messageSid(), AccountSid: accountSid(), From: '+421905111222', To: '+14155550199', Body: body });

/** How much a sample grew between two scrapes (a sample not yet present counts as 0). */
const delta = (earlier: Scrape, later: Scrape, name: string, labels: Record<string, string> = {}) =>
  (later.value(name, labels) ?? 0) - (earlier.value(name, labels) ?? 0);

describe('GET /metrics', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', twilioEnv));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it('serves Prometheus text from a registry of each app its own, with the process defaults', async () => {
    const other = await startTestServer(testEnv(standIn));
    try {
      for (let i = 0; i < 3; i += 1) await fetch(`${other.url}/health`);
      const mine = await scrape(server.url);
      const theirs = await scrape(other.url);
      assert.equal(theirs.value('phone_assistant_http_request_duration_seconds_count', { route: '/health' }), 3);
      assert.equal(mine.value('phone_assistant_http_request_duration_seconds_count', { route: '/health' }), undefined, "the other app's requests are not counted here");
      for (const metrics of [mine, theirs]) {
        assert.ok((metrics.value('process_cpu_user_seconds_total') ?? -1) >= 0);
        assert.ok((metrics.value('nodejs_heap_size_used_bytes') ?? 0) > 0);
      }
    } finally {
      await other.close();
    }
  });

  it('times requests by method, route pattern and status, with 404s as unmatched', async () => {
    const earlier = await scrape(server.url);
    await fetch(`${server.url}/health`);
    await fetch(`${server.url}/health`);
    await fetch(`${server.url}/no/such/page?x=1`);
    const later = await scrape(server.url);
    assert.equal(delta(earlier, later, 'phone_assistant_http_request_duration_seconds_count', { method: 'GET', route: '/health', status_code: '200' }), 2);
    assert.equal(delta(earlier, later, 'phone_assistant_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' }), 1);
    assert.doesNotMatch(later.text, /no\/such\/page/, 'raw URLs never become labels');
  });

  it("counts turns by channel, and times the server's share of a voice turn without the LLM's wait", async () => {
    const earlier = await scrape(server.url);
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    const llmDelayMs = 300;
    standIn.enqueue({ text: 'We open at eight.', delayMs: llmDelayMs });
    assert.deepEqual((await call.say(greeting.gatherAction!, 'When do you open?')).says, ['We open at eight.']);
    standIn.enqueue({ text: 'Yes, on Thursday.' });
    assert.equal((await sms(server, 'Open on Thursday?')).status, 200);
    standIn.enqueue({ text: 'Hello there.' });
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'Hello' })).status, 200);
    const later = await scrape(server.url);

    for (const channel of ['voice', 'sms', 'text']) {
      assert.equal(delta(earlier, later, 'phone_assistant_turns_total', { channel, outcome: 'ok' }), 1, channel);
      assert.equal(delta(earlier, later, 'phone_assistant_turn_server_duration_seconds_count', { channel }), 1, channel);
    }
    assert.equal(delta(earlier, later, 'phone_assistant_llm_request_duration_seconds_count', { provider: 'openai', outcome: 'ok' }), 3);
    assert.equal(delta(earlier, later, 'phone_assistant_turn_server_seconds_count'), 1);
    for (const quantile of ['0.5', '0.9', '0.99']) {
      assert.equal(typeof later.value('phone_assistant_turn_server_seconds', { quantile }), 'number', quantile);
    }
    const voiceRequest = { method: 'POST', route: '/twilio/voice', status_code: '200' };
    assert.equal(delta(earlier, later, 'phone_assistant_http_request_duration_seconds_count', voiceRequest), 1);
    const requestSeconds = delta(earlier, later, 'phone_assistant_http_request_duration_seconds_sum', voiceRequest);
    const serverSeconds = delta(earlier, later, 'phone_assistant_turn_server_seconds_sum');
    assert.ok(requestSeconds >= llmDelayMs / 1000, `the request took the LLM's ${llmDelayMs} ms (${requestSeconds} s)`);
    assert.ok(serverSeconds >= 0 && serverSeconds <= requestSeconds - (llmDelayMs - 10) / 1000, `server ${serverSeconds} s of request ${requestSeconds} s`);
  });

  it('counts LLM failures by provider and cause, and the turns they failed', async () => {
    const earlier = await scrape(server.url);
    standIn.enqueue({ status: 429 });
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'Hello' })).body.error, 'rate_limited');
    standIn.enqueue({ status: 500 });
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'Hello' })).body.error, 'other');
    const later = await scrape(server.url);
    assert.equal(delta(earlier, later, 'phone_assistant_llm_failures_total', { provider: 'openai', cause: 'rate_limited' }), 1);
    assert.equal(delta(earlier, later, 'phone_assistant_llm_failures_total', { provider: 'openai', cause: 'other' }), 1);
    assert.equal(delta(earlier, later, 'phone_assistant_llm_request_duration_seconds_count', { provider: 'openai', outcome: 'rate_limited' }), 1);
    assert.equal(delta(earlier, later, 'phone_assistant_turns_total', { channel: 'text', outcome: 'rate_limited' }), 1);
    assert.equal(delta(earlier, later, 'phone_assistant_turns_total', { channel: 'text', outcome: 'other' }), 1);
  });

  it('counts requests refused by a rate limit, by scope', async () => {
    const limited = await startTestServer(testEnv(null, 'openai', { ...twilioEnv, RATE_LIMIT_CALLER_PER_MINUTE: '1', RATE_LIMIT_API_PER_MINUTE: '1' }));
    try {
      const earlier = await scrape(limited.url);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await signedPost(limited.url, '/twilio/sms', { MessageSid: messageSid(), AccountSid: accountSid(), From: '+14155551234', To: '+14155550199', Body: 'hi' });
      }
      assert.equal((await postJson(`${limited.url}/v1/text`, { text: 'hi' })).status, 503, 'within the limit: no LLM configured');
      assert.equal((await postJson(`${limited.url}/v1/text`, { text: 'hi' })).status, 429);
      const later = await scrape(limited.url);
      assert.equal(delta(earlier, later, 'phone_assistant_rate_limited_total', { scope: 'caller' }), 2);
      assert.equal(delta(earlier, later, 'phone_assistant_rate_limited_total', { scope: 'api' }), 1);
    } finally {
      await limited.close();
    }
  });

  it("reports the database pool's connections", async () => {
    const metrics = await scrape(server.url);
    // PGlite is one connection, idle between requests.
    assert.equal(metrics.value('phone_assistant_db_pool_connections', { state: 'total' }), 1);
    assert.equal(metrics.value('phone_assistant_db_pool_connections', { state: 'idle' }), 1);
    assert.equal(metrics.value('phone_assistant_db_pool_connections', { state: 'waiting' }), 0);
  });
});

describe('active_calls', () => {
  let server: TestServer;
  const logLines: string[] = [];

  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { ...twilioEnv, LOG_LEVEL: 'warn' }), { logLines });
  });
  after(() => server.close());

  const activeCalls = async () => (await scrape(server.url)).value('phone_assistant_active_calls');

  it('counts calls ringing or in progress, until their status says they ended or they go quiet for an hour', async () => {
    assert.equal(await activeCalls(), 0);
    const first = new PhoneCall(server.url);
    const second = new PhoneCall(server.url);
    await first.start();
    await second.start();
    assert.equal(await activeCalls(), 2);
    assert.equal(await first.status('completed', 30), 204);
    assert.equal(await activeCalls(), 1);
    // A call whose final status callback never came stops counting after an hour without news.
    await server.db.query(`UPDATE conversations SET updated_at = now() - interval '61 minutes' WHERE call_sid = $1`, [second.sid]);
    assert.equal(await activeCalls(), 0);
  });

  it('still answers the scrape when the query fails, keeping the last value and logging why', async () => {
    await new PhoneCall(server.url).start();
    assert.equal(await activeCalls(), 1);
    await server.db.query('ALTER TABLE conversations RENAME TO conversations_away');
    try {
      const metrics = await scrape(server.url);
      assert.equal(metrics.value('phone_assistant_active_calls'), 1);
      assert.equal(metrics.value('phone_assistant_db_pool_connections', { state: 'total' }), 1);
      assert.ok(logLines.some((line) => line.includes('active calls could not be counted')));
    } finally {
      await server.db.query('ALTER TABLE conversations_away RENAME TO conversations');
    }
  });
});
