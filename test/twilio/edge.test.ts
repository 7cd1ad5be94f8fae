// The real app's Twilio edge: every route signed or refused, invalid payloads refused, no number in any log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, callSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const CALLER = '+14155551234';

function payloadFor(path: string): Record<string, string> {
  const call = { CallSid: callSid(), AccountSid: accountSid(), From: CALLER, To: '+14155550199', CallStatus: 'ringing' };
  if (path === '/twilio/sms') return { MessageSid: messageSid(), AccountSid: accountSid(), From: CALLER, To: '+14155550199', Body: 'hi' };
  if (path === '/twilio/status') return { ...call, CallStatus: 'completed', CallDuration: '3' };
  return call;
}

describe('Twilio edge of the app', () => {
  let standIn: LlmStandIn;
  let server: TestServer;
  const logLines: string[] = [];

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, LOG_LEVEL: 'debug' }), { logLines });
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  for (const path of ['/twilio/incoming', '/twilio/voice?turn=1', '/twilio/status', '/twilio/sms']) {
    it(`${path}: refuses missing, wrong-token, tampered and wrong-URL signatures with 403, storing nothing`, async () => {
      const before = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
      const params = payloadFor(path.split('?')[0]!);
      const attempts = [
        await signedPost(server.url, path, params, { unsigned: true }),
        await signedPost(server.url, path, params, { authToken: 'f'.repeat(32) }),
        await signedPost(server.url, path, params, { signedUrl: `https://evil.example.com${path}` }),
      ];
      // Tampered: signed for one caller, sent with another.
      const { default: twilio } = await import('twilio');
      const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_TOKEN, server.url + path, params);
      const tampered = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams({ ...params, From: '+14155550000' }).toString(),
      });
      for (const attempt of attempts) assert.equal(attempt.status, 403);
      assert.equal(tampered.status, 403);
      if (path.startsWith('/twilio/voice')) assert.match(attempts[0]!.text, /<Say>We could not verify this request\.<\/Say>/);
      const after = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
      assert.deepEqual(after.rows, before.rows);
    });

    it(`${path}: accepts a valid signature, with unknown extra parameters`, async () => {
      if (path === '/twilio/sms') standIn.enqueue({ text: 'Hello!' });
      if (path.startsWith('/twilio/voice')) standIn.enqueue({ text: 'Hello!' });
      const params = { ...payloadFor(path.split('?')[0]!), SpeechResult: 'hello', ParameterTwilioAddsTomorrow: 'x' };
      const reply = await signedPost(server.url, path, params);
      assert.ok(reply.status === 200 || reply.status === 204, `${reply.status} ${reply.text}`);
    });
  }

  it('refuses a signed but invalid payload with 422 and a short reason', async () => {
    const reply = await signedPost(server.url, '/twilio/voice?turn=1', { ...payloadFor('/twilio/voice'), Confidence: '7', Digits: '12a' });
    assert.equal(reply.status, 422);
    assert.match(reply.text, /Confidence/);
    const badFrom = await signedPost(server.url, '/twilio/incoming', { ...payloadFor('/twilio/incoming'), From: 'not-a-number' });
    assert.equal(badFrom.status, 422);
    assert.match(badFrom.text, /From/);
  });

  it('logs a whole call at debug level without a raw phone number or the caller\'s words outside redacted keys', async () => {
    logLines.length = 0;
    const call = new PhoneCall(server.url, CALLER);
    await call.start();
    standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: 'Secret Name', message: 'my secret words' } }] }, { text: 'Noted, bye.' });
    await call.say('/twilio/voice?turn=1', 'my secret words for a call back');
    await call.status('completed', 9);
    await signedPost(server.url, '/twilio/sms', { ...payloadFor('/twilio/sms'), Body: 'my secret sms' });

    const logs = logLines.join('\n');
    assert.ok(logLines.length > 5, 'the call was logged');
    assert.match(logs, /\+1\*\*\*\*\*1234/, 'numbers appear masked');
    for (const secret of ['4155551234', '415-555', 'my secret words', 'my secret sms']) {
      assert.ok(!logs.includes(secret), `logs contain ${secret}`);
    }
  });
});
