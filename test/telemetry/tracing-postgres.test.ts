// Traces of a server on PostgreSQL and Redis, exported as http/json: a voice turn with the pg and ioredis instrumentations' spans, and a relay prompt
// (a WebSocket message, no HTTP request of its own) as one trace each; no caller's number or words in any span.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAndWait } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { LOCAL_REDIS_URL, localRedisSkip } from '../helpers/redis.ts';
import { openRelay } from '../helpers/relay-client.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
import { assertNoMarkers, childrenOf, dataDir, isUnder, MARKER_NUMBER, MARKER_WORDS, startTracedServer, waitForTrace } from './traced-server.ts';

const skip = (await pgSkip()) || (await localRedisSkip());
const SERVER = 2;
const CLIENT = 3;

const statements = (trace: ReceivedSpan[]) => trace.filter((span) => span.name.startsWith('pg.query:'));
const modelCalls = (trace: ReceivedSpan[]) => trace.filter((span) => span.attributes['gen_ai.request.model'] !== undefined);

describe('tracing on PostgreSQL (http/json)', { skip }, () => {
  let receiver: OtlpReceiver;
  let standIn: LlmStandIn;
  let database: TestDatabase;
  let server: ServerProcess;

  before(async () => {
    receiver = await startOtlpReceiver();
    standIn = await startLlmStandIn();
    database = (await createTestDatabase())!;
    server = await startTracedServer({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir('postgres'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      OPENAI_MODEL: 'stand-in-model',
      TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
      VOICE_MODE: 'relay',
      // The per-caller rate limit, whose keys hold the caller's number.
      REDIS_URL: LOCAL_REDIS_URL,
      OUTBOX_POLL_INTERVAL_MS: '3600000',
      // The signal-specific variables win over the general ones, as the specification says.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });
  after(async () => {
    if (server) await killAndWait(server.child);
    await Promise.all([standIn?.close(), receiver?.close()]);
    await database?.drop();
  });

  it("makes a voice turn one trace, with the pg instrumentation's statements and the rate limit's Redis commands under the webhook", async () => {
    const call = new PhoneCall(server.url, MARKER_NUMBER);
    await call.start();
    standIn.enqueue({ text: 'We open at eight.' });
    const answer = await call.say('/twilio/voice?turn=1', MARKER_WORDS);
    assert.deepEqual(answer.says, ['We open at eight.']);

    const trace = await waitForTrace(receiver.spans, 'POST /twilio/voice', (spans) => modelCalls(spans).length > 0 && statements(spans).length >= 2);
    const root = trace.find((span) => span.parentSpanId === '')!;
    assert.equal(root.kind, SERVER);
    for (const statement of statements(trace)) {
      assert.ok(isUnder(trace, statement, root));
      assert.equal(statement.attributes['db.system.name'], 'postgresql');
    }
    const redis = trace.filter((span) => span.attributes['db.system.name'] === 'redis');
    assert.ok(redis.length > 0 && redis.every((span) => isUnder(trace, span, root)), 'the rate limit asked Redis');
    assert.ok(receiver.contentTypes.every((type) => type === 'application/json'));
  });

  it('makes a relay prompt one trace: its statements, retrieval and the model call', async () => {
    const call = new PhoneCall(server.url, MARKER_NUMBER);
    await call.start();
    const relay = await openRelay(server.url);
    try {
      relay.setup(call.sid);
      standIn.enqueue({ text: 'We are on Main Street.' });
      relay.prompt(MARKER_WORDS);
      assert.equal(await relay.reply(), 'We are on Main Street.');
    } finally {
      relay.close();
    }
    const trace = await waitForTrace(receiver.spans, 'relay prompt', (spans) => modelCalls(spans).length > 0 && statements(spans).length > 0);
    const root = trace.find((span) => span.parentSpanId === '')!;
    assert.equal(root.kind, SERVER);
    assert.equal(childrenOf(trace, root).filter((span) => span.name === 'knowledge.retrieve').length, 1);
    const [model] = modelCalls(trace);
    assert.ok(childrenOf(trace, model!).some((span) => span.kind === CLIENT));
    assert.equal(standIn.requests.at(-1)!.headers['traceparent']?.toString().split('-')[1], root.traceId);
  });

  it('exports no caller number or words', () => {
    assertNoMarkers(receiver.spans);
  });
});
