// Traces of a server on PGlite, exported as http/protobuf to a loopback receiver: a voice turn, an SMS and a /v1/text turn with a
// tool call each make one trace of the expected shape, the model's request carries its traceparent, log lines carry their trace,
// and no caller's number or words reach a span.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAndWait } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { startTwilioRestStandIn, type TwilioRestStandIn } from '../helpers/twilio-rest-stand-in.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
import { assertNoMarkers, childrenOf, dataDir, isUnder, MARKER_NUMBER, MARKER_WORDS, startTracedServer, waitForTrace } from './traced-server.ts';

const API_KEY = 'tracing-test-api-key-0123456789';
const WEBHOOK_SECRET = 'tracing-test-webhook-secret';
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

const named = (trace: ReceivedSpan[], name: string) => trace.filter((span) => span.name === name);
const modelCalls = (trace: ReceivedSpan[]) => trace.filter((span) => span.attributes['gen_ai.request.model'] !== undefined);

describe('tracing on PGlite (http/protobuf)', () => {
  let receiver: OtlpReceiver;
  let standIn: LlmStandIn;
  let twilioRest: TwilioRestStandIn;
  let webhooks: WebhookReceiver;
  let server: ServerProcess;

  before(async () => {
    receiver = await startOtlpReceiver();
    standIn = await startLlmStandIn();
    twilioRest = await startTwilioRestStandIn({ accountSid: accountSid(), authToken: TEST_TWILIO_TOKEN });
    webhooks = await startWebhookReceiver(WEBHOOK_SECRET);
    server = await startTracedServer({
      DATA_DIR: dataDir('pglite'),
      API_KEY,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      OPENAI_MODEL: 'stand-in-model',
      TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
      TWILIO_ACCOUNT_SID: twilioRest.accountSid,
      TWILIO_API_BASE_URL: twilioRest.url,
      OWNER_NOTIFY_NUMBER: '+14155550100',
      TWILIO_PHONE_NUMBER: '+14155550199',
      BUSINESS_WEBHOOK_URL: webhooks.url,
      BUSINESS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      OUTBOX_POLL_INTERVAL_MS: '200',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'phone-assistant-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });
  after(async () => {
    if (server) await killAndWait(server.child);
    await Promise.all([standIn?.close(), twilioRest?.close(), webhooks?.close(), receiver?.close()]);
  });

  it('makes a voice turn one trace: webhook, statements, retrieval, the model call and its HTTP request carrying the traceparent', async () => {
    const call = new PhoneCall(server.url, MARKER_NUMBER);
    const heard = await call.start();
    standIn.enqueue({ text: 'We open at eight.' });
    const answer = await call.say(heard.gatherAction!, MARKER_WORDS);
    assert.deepEqual(answer.says, ['We open at eight.']);

    const trace = await waitForTrace(receiver.spans, 'POST /twilio/voice', (spans) => modelCalls(spans).length > 0 && named(spans, 'pglite.query:WITH').length >= 2);
    const root = trace.find((span) => span.parentSpanId === '')!;
    assert.equal(root.kind, SERVER);
    assert.equal(root.attributes['http.route'], '/twilio/voice');
    const statements = trace.filter((span) => span.name.startsWith('pglite.query:'));
    assert.equal(statements.length, 2, 'the turn opens (claim and history) and stores the conversation in two statements');
    for (const statement of statements) {
      assert.equal(statement.attributes['db.system.name'], 'postgresql');
      assert.match(String(statement.attributes['db.query.text']), /^\s*(SELECT|INSERT|UPDATE|WITH|DELETE)/i);
    }
    assert.equal(childrenOf(trace, root).filter((span) => span.name === 'knowledge.retrieve').length, 1);

    const [model] = modelCalls(trace);
    assert.ok(isUnder(trace, model!, root));
    assert.equal(model!.attributes['gen_ai.system'], 'openai.chat');
    assert.ok(Number(model!.attributes['gen_ai.usage.input_tokens']) > 0);
    assert.deepEqual(model!.attributes['gen_ai.response.finish_reasons'], ['stop']);
    const [request] = childrenOf(trace, model!);
    assert.equal(request?.kind, CLIENT);
    assert.match(String(request.attributes['url.full']), /\/v1\/chat\/completions$/);
    assert.equal(standIn.requests.at(-1)!.headers['traceparent'], `00-${root.traceId}-${request.spanId}-01`);
    assert.ok(receiver.contentTypes.every((type) => type === 'application/x-protobuf'));
    // A log line leads to its trace: the request's line carries the trace's id and a span of it.
    const logged = server.output().split('\n').filter((line) => line.includes(`"trace_id":"${root.traceId}"`) && line.includes('"route":"/twilio/voice"'));
    assert.equal(logged.length, 1);
    assert.ok(trace.some((span) => logged[0]!.includes(`"span_id":"${span.spanId}"`)));
  });

  it('makes an SMS one trace', async () => {
    standIn.enqueue({ text: 'Thanks, noted.' });
    const sms = { MessageSid: messageSid(), AccountSid: twilioRest.accountSid, From: MARKER_NUMBER, To: '+14155550199', Body: MARKER_WORDS };
    assert.equal((await signedPost(server.url, '/twilio/sms', sms)).status, 200);
    const trace = await waitForTrace(receiver.spans, 'POST /twilio/sms', (spans) => modelCalls(spans).length > 0);
    assert.ok(trace.some((span) => span.name.startsWith('pglite.query:')));
  });

  it('makes a /v1/text turn with a tool call one trace, continued by the business webhook and the owner SMS it enqueued', async () => {
    standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: 'Ada', message: MARKER_WORDS } }] }, { text: 'I will pass it on.' });
    const response = await fetch(`${server.url}/v1/text`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: MARKER_WORDS, caller: MARKER_NUMBER }),
    });
    assert.equal(response.status, 200);

    const delivered = (spans: ReceivedSpan[]) => named(spans, 'outbox webhook').length > 0 && named(spans, 'outbox owner_sms').length > 0 && spans.filter((span) => span.kind === CLIENT).length >= 4;
    const trace = await waitForTrace(receiver.spans, 'POST /v1/text', delivered);
    const root = trace.find((span) => span.parentSpanId === '')!;
    const [tool] = trace.filter((span) => span.attributes['ai.toolCall.name'] === 'take_message');
    assert.ok(tool && isUnder(trace, tool, root), 'the tool ran in the turn');
    assert.ok(trace.some((span) => span.name.startsWith('pglite.query:') && isUnder(trace, span, tool)), "the tool's statements lie under it");
    for (const job of ['outbox webhook', 'outbox owner_sms']) {
      const [span] = named(trace, job);
      assert.equal(span!.kind, CONSUMER);
      assert.ok(childrenOf(trace, span!).some((child) => child.kind === CLIENT), `${job} made its HTTP request inside the trace`);
    }
    assert.equal(webhooks.events.at(-1)?.type, 'callback.requested');
    assert.equal(twilioRest.messages().length, 1);
  });

  it('exports no caller number or words, in any span name, attribute or event', async () => {
    // Query strings too: a search for a customer by number, and a knowledge search for the caller's words.
    const headers = { authorization: `Bearer ${API_KEY}` };
    assert.equal((await fetch(`${server.url}/v1/customers?search=${encodeURIComponent(MARKER_NUMBER)}`, { headers })).status, 200);
    assert.equal((await fetch(`${server.url}/v1/knowledge/search?q=${encodeURIComponent(MARKER_WORDS)}`, { headers })).status, 200);
    const searches = await waitForTrace(receiver.spans, 'GET /v1/knowledge/search', () => true);
    assert.equal(searches.find((span) => span.parentSpanId === '')!.attributes['url.query'], 'q=REDACTED');
    assert.ok(receiver.spans.length > 20);
    assertNoMarkers(receiver.spans);
    assert.ok(receiver.spans.every((span) => span.traceId.length === 32));
  });
});
