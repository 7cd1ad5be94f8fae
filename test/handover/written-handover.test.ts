// In writing (SMS, /v1/text) a request for a person tells the business (callback.requested) instead of dialling; so does a message left.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { listJobs } from '../../src/db/outbox-repo.ts';
import { listTransfers } from '../../src/db/transfers-repo.ts';
import { WEBHOOK_JOB, type BusinessEvent } from '../../src/jobs/business-events.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

describe('hand-over in writing', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  async function callbackEvents(conversationId: string): Promise<BusinessEvent[]> {
    return (await listJobs(server.db, WEBHOOK_JOB))
      .map((job) => job.payload as BusinessEvent)
      .filter((event) => event.type === 'callback.requested' && event.data['conversation_id'] === conversationId);
  }

  it('on /v1/text tells the business and says a person will get back, with nothing dialled', async () => {
    standIn.enqueue({ toolCalls: [{ name: 'transfer_to_human', input: { reason: 'billing question' } }] }, { text: 'I have let the team know.' });
    const response = await postJson(`${server.url}/v1/text`, { text: 'I need a person about my bill' });
    assert.equal(response.status, 200);
    assert.equal(response.body['reply'], 'I have let the team know.');
    const conversationId = response.body['call_id'] as string;

    const [event] = await callbackEvents(conversationId);
    assert.ok(event, 'callback.requested enqueued');
    assert.equal(event.data['channel'], 'text');
    assert.equal(event.data['message'], 'billing question');
    assert.equal(event.data['handover'], true);
    assert.deepEqual((await listTransfers(server.db, conversationId)).map((transfer) => transfer.outcome), ['notified']);
    assert.match(JSON.stringify(standIn.requests.at(-1)?.body), /business_notified/);
  });

  it('on SMS tells the business, with the caller number for the call-back', async () => {
    const from = '+14155550142';
    standIn.enqueue({ toolCalls: [{ name: 'transfer_to_human', input: {} }] }, { text: 'Someone will get back to you.' });
    const result = await signedPost(server.url, '/twilio/sms', { MessageSid: messageSid(), AccountSid: accountSid(), From: from, To: '+14155550100', Body: 'Can a person call me?' });
    assert.equal(result.status, 200);
    assert.match(result.text, /Someone will get back to you\./);

    const events = (await listJobs(server.db, WEBHOOK_JOB)).map((job) => job.payload as BusinessEvent).filter((event) => event.data['caller'] === from);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'callback.requested');
    assert.equal(events[0]!.data['channel'], 'sms');
  });

  it('tells the business of a message taken by the model', async () => {
    standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: 'Ann', message: 'Please call about my crown' } }] }, { text: 'Noted, Ann.' });
    const response = await postJson(`${server.url}/v1/text`, { text: 'I am Ann, please have the dentist call me about my crown' });
    const [event] = await callbackEvents(response.body['call_id'] as string);
    assert.ok(event);
    assert.equal(event.data['name'], 'Ann');
    assert.equal(event.data['message'], 'Please call about my crown');
    assert.equal(typeof event.data['callback_request_id'], 'string');
  });
});
