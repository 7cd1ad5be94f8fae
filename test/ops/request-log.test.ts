// One JSON log line per request: id, method, route, status, duration, and the call context with the number masked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, callSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

interface LogLine {
  msg: string;
  reqId?: string;
  method?: string;
  route?: string;
  status?: number;
  durationMs?: number;
  callSid?: string;
  messageSid?: string;
  phone?: string;
}

const CALLER = '+14155551234';

describe('request log', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  const raw: string[] = [];
  const lines = () => raw.map((line) => JSON.parse(line) as LogLine);
  const linesOf = (reqId: string) => lines().filter((line) => line.reqId === reqId && line.msg === 'request completed');

  /** Waits for the request's line: it is written once the response has gone out, so it may trail the client. */
  async function lineOf(reqId: string): Promise<LogLine> {
    for (let turns = 0; linesOf(reqId).length === 0; turns += 1) {
      assert.ok(turns < 10_000, `no line for ${reqId}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return linesOf(reqId)[0]!;
  }

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, LOG_LEVEL: 'info' }), { logLines: raw });
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('logs one line per request with its id, method, route, status and duration, and no lines of Fastify\'s own', async () => {
    const response = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'lb-7f3a.42:1' } });
    assert.equal(response.headers.get('x-request-id'), 'lb-7f3a.42:1', 'the id is handed back for correlation');
    const line = await lineOf('lb-7f3a.42:1');
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/health');
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');

    const missing = await fetch(`${server.url}/no/such/page`, { headers: { 'x-request-id': 'missing-1' } });
    assert.equal(missing.status, 404);
    assert.equal((await lineOf('missing-1')).route, 'unmatched');

    standIn.enqueue({ text: 'Hello!' });
    const text = await postJson(`${server.url}/v1/text`, { text: 'Hi' }, { 'x-request-id': 'text-1' });
    assert.equal(text.status, 200);
    assert.deepEqual((({ route, status, method }) => ({ route, status, method }))(await lineOf('text-1')), { route: '/v1/text', status: 200, method: 'POST' });

    for (const reqId of ['lb-7f3a.42:1', 'missing-1', 'text-1']) assert.equal(linesOf(reqId).length, 1, reqId);
    assert.ok(!lines().some((entry) => entry.msg === 'incoming request'));
  });

  it('makes up an id when the header is missing, too long or carries unsafe characters', async () => {
    for (const header of [undefined, 'x'.repeat(65), 'a b', '{"reqId":1}']) {
      const response = await fetch(`${server.url}/health`, { headers: header === undefined ? {} : { 'x-request-id': header } });
      const reqId = response.headers.get('x-request-id')!;
      assert.match(reqId, /^[0-9a-f-]{36}$/, String(header));
      assert.equal((await lineOf(reqId)).route, '/health');
    }
  });

  it('carries the CallSid or MessageSid and the masked caller, never the number itself', async () => {
    const call = callSid();
    const params = { CallSid: call, AccountSid: accountSid(), From: CALLER, To: '+14155550199', CallStatus: 'ringing', Direction: 'inbound' };
    await signedPost(server.url, '/twilio/incoming', params, { headers: { 'x-request-id': 'call-1' } });
    assert.deepEqual((({ route, status, callSid: sid, phone }) => ({ route, status, callSid: sid, phone }))(await lineOf('call-1')), {
      route: '/twilio/incoming',
      status: 200,
      callSid: call,
      phone: '+1*****1234',
    });

    // Refused before validation, and then invalid: the context is logged masked all the same.
    await signedPost(server.url, '/twilio/voice?turn=1', params, { headers: { 'x-request-id': 'forged-1' }, authToken: 'f'.repeat(32) });
    assert.deepEqual((({ status, phone }) => ({ status, phone }))(await lineOf('forged-1')), { status: 403, phone: '+1*****1234' });
    await signedPost(server.url, '/twilio/voice?turn=zero', params, { headers: { 'x-request-id': 'invalid-1' } });
    assert.deepEqual((({ status, phone }) => ({ status, phone }))(await lineOf('invalid-1')), { status: 422, phone: '+1*****1234' });

    const sid = messageSid();
    standIn.enqueue({ text: 'We are open.' });
    const sms = { MessageSid: sid, AccountSid: accountSid(), From: CALLER, To: '+14155550199', Body: 'Open today?' };
    await signedPost(server.url, '/twilio/sms', sms, { headers: { 'x-request-id': 'sms-1' } });
    assert.deepEqual((({ route, messageSid: logged, phone }) => ({ route, messageSid: logged, phone }))(await lineOf('sms-1')), {
      route: '/twilio/sms',
      messageSid: sid,
      phone: '+1*****1234',
    });

    const everything = raw.join('\n');
    assert.doesNotMatch(everything, /4155551234/, 'no log line carries the caller\'s number');
    assert.doesNotMatch(everything, /415\D{0,2}555\D?1234/);
  });
});
