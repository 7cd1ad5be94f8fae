// The owner is texted through Twilio's REST API (the official library, at a loopback stand-in) for call-backs and failed hand-overs.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { listJobs } from '../../src/db/outbox-repo.ts';
import { OWNER_SMS_JOB } from '../../src/jobs/business-events.ts';
import type { LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, testEnv, withStandIn, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const BUSINESS_NUMBER = '+14155550100';
const OWNER = '+14155550111';

interface SentSms {
  path: string;
  authorization: string | undefined;
  params: Record<string, string>;
}

/** Twilio's Messages endpoint as the library calls it: form body, Basic auth; answers with `statuses` first, then 201. */
async function startTwilioApi(statuses: number[]) {
  const sent: SentSms[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      sent.push({ path: request.url ?? '', authorization: request.headers.authorization, params: Object.fromEntries(new URLSearchParams(body)) });
      const status = statuses.shift() ?? 201;
      const answer = status === 201 ? { sid: `SM${'2'.repeat(32)}`, status: 'queued' } : { code: 20500, message: 'Internal error', status };
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('owner SMS', () => {
  let standIn: LlmStandIn;
  let api: Awaited<ReturnType<typeof startTwilioApi>>;
  let server: TestServer;

  before(async () => {
    standIn = await withStandIn();
    api = await startTwilioApi([500]);
    server = await startTestServer(
      testEnv(standIn, 'openai', {
        TWILIO_ACCOUNT_SID: ACCOUNT,
        TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
        TWILIO_PHONE_NUMBER: BUSINESS_NUMBER,
        TWILIO_API_BASE_URL: api.url,
        OWNER_NOTIFY_NUMBER: OWNER,
        OUTBOX_POLL_INTERVAL_MS: '3600000',
      }),
    );
  });
  after(async () => {
    await server?.close();
    await api?.close();
    await standIn?.close();
  });

  it('texts the owner who asked for a call-back and why, retrying when Twilio fails', async () => {
    standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: 'Ann', message: 'Please call about my crown' } }] }, { text: 'Noted.' });
    await postJson(`${server.url}/v1/text`, { text: 'I am Ann, call me about my crown' });

    await server.outbox.runOnce();
    assert.equal(api.sent.length, 1, 'the first attempt reached Twilio');
    const [job] = await listJobs(server.db, OWNER_SMS_JOB);
    assert.equal(job?.done, false, 'a 500 from Twilio is retried');

    await server.db.query(`UPDATE outbox_jobs SET run_at = now() WHERE kind = $1`, [OWNER_SMS_JOB]);
    await server.outbox.runOnce();
    assert.equal(api.sent.length, 2);
    const sms = api.sent[1]!;
    assert.equal(sms.path, `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    assert.equal(sms.authorization, `Basic ${Buffer.from(`${ACCOUNT}:${TEST_TWILIO_TOKEN}`).toString('base64')}`);
    assert.deepEqual(sms.params, { From: BUSINESS_NUMBER, To: OWNER, Body: 'Call-back requested by Ann (a withheld number): Please call about my crown' });
    assert.equal((await listJobs(server.db, OWNER_SMS_JOB))[0]?.done, true);
  });

  it('refuses to start with an owner number but no Twilio account to text from', () => {
    assert.throws(() => loadConfig({ OWNER_NOTIFY_NUMBER: OWNER }), /OWNER_NOTIFY_NUMBER needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER/);
  });
});
