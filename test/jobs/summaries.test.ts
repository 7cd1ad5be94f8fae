// After a conversation: the LLM's summary is stored on it and a signed conversation.completed event reaches the business.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listJobs } from '../../src/db/outbox-repo.ts';
import { loadSummary } from '../../src/db/summaries-repo.ts';
import { WEBHOOK_JOB } from '../../src/jobs/business-events.ts';
import { SUMMARY_JOB } from '../../src/jobs/summaries.ts';
import type { LlmStandIn } from '../helpers/llm-stand-in.ts';
import { postJson, startTestServer, TEST_API_KEY, testEnv, withStandIn, type TestServer } from '../helpers/test-app.ts';
import { accountSid, callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = 'business-secret-0123456789';
const SUMMARY = { caller: 'Ann', intent: 'Book a check-up', outcome: 'Told the opening hours', follow_up_needed: true, follow_up: 'Call Ann back' };

describe('conversation summaries', () => {
  let standIn: LlmStandIn;
  let receiver: WebhookReceiver;
  let server: TestServer;

  before(async () => {
    standIn = await withStandIn();
    receiver = await startWebhookReceiver(SECRET);
    server = await startTestServer(
      testEnv(standIn, 'openai', {
        BUSINESS_WEBHOOK_URL: receiver.url,
        BUSINESS_WEBHOOK_SECRET: SECRET,
        TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
        // The test runs the outbox itself.
        OUTBOX_POLL_INTERVAL_MS: '3600000',
      }),
    );
  });
  after(async () => {
    await server?.close();
    await receiver?.close();
    await standIn?.close();
  });

  /** Runs the outbox until nothing is due. */
  async function drainOutbox(): Promise<void> {
    for (let pass = 0; pass < 20; pass += 1) if ((await server.outbox.runOnce()) === 0) return;
  }

  it('summarises a text session that said goodbye and posts conversation.completed with the summary', async () => {
    standIn.enqueue({ text: 'We open at 8.' });
    const first = await postJson(`${server.url}/v1/text`, { text: 'Hi, I am Ann, when do you open? I want a check-up.' });
    const callId = first.body['call_id'] as string;
    standIn.enqueue({ toolCalls: [{ name: 'end_call', input: {} }] }, { text: 'Goodbye!' });
    await postJson(`${server.url}/v1/text`, { text: 'Thanks, bye', call_id: callId });
    standIn.enqueue({ text: JSON.stringify(SUMMARY) });

    await drainOutbox();

    assert.deepEqual((await loadSummary(server.db, callId))?.summary, SUMMARY);
    const event = receiver.events.find((e) => e.type === 'conversation.completed' && e.data['conversation_id'] === callId);
    assert.ok(event, 'conversation.completed delivered');
    assert.deepEqual(event.data['summary'], SUMMARY);
    assert.equal(event.data['channel'], 'text');
    const detail = await fetch(`${server.url}/v1/calls/${callId}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    assert.deepEqual(((await detail.json()) as { summary: unknown }).summary, SUMMARY, 'the owner reads it with the conversation');
    const summaryRequest = standIn.requests.at(-1)!;
    assert.match(JSON.stringify(summaryRequest.body), /Caller: Hi, I am Ann/);
  });

  it('retries a summary the LLM failed, and summarises a call once its final status arrives', async () => {
    const sid = callSid();
    const account = accountSid();
    const from = '+14155550123';
    await signedPost(server.url, '/twilio/incoming', { CallSid: sid, AccountSid: account, From: from, To: '+14155550100' });
    standIn.enqueue({ text: 'We are open until five.' });
    await signedPost(server.url, '/twilio/voice?turn=1', { CallSid: sid, AccountSid: account, From: from, To: '+14155550100', SpeechResult: 'When are you open?' });
    const status = await signedPost(server.url, '/twilio/status', { CallSid: sid, AccountSid: account, From: from, To: '+14155550100', CallStatus: 'completed', CallDuration: '42' });
    assert.equal(status.status, 204);
    standIn.enqueue({ status: 500 });

    await server.outbox.runOnce();
    const pending = (await listJobs(server.db, SUMMARY_JOB)).filter((job) => !job.done);
    assert.equal(pending.length, 1, 'the failed summary waits for another attempt');
    assert.match(pending[0]!.lastError ?? '', /summary failed/);

    // Due again at once, as if its backoff had passed.
    await server.db.query(`UPDATE outbox_jobs SET run_at = now() WHERE kind = $1 AND done_at IS NULL`, [SUMMARY_JOB]);
    standIn.enqueue({ text: JSON.stringify({ ...SUMMARY, intent: 'Opening hours' }) });
    await drainOutbox();

    const event = receiver.events.find((e) => e.type === 'conversation.completed' && e.data['channel'] === 'voice');
    assert.ok(event, 'conversation.completed delivered for the call');
    assert.equal(event.data['caller'], from);
    assert.equal(event.data['duration_seconds'], 42);
    assert.equal((event.data['summary'] as { intent: string }).intent, 'Opening hours');
    assert.ok((await listJobs(server.db, WEBHOOK_JOB)).every((job) => job.done));
  });
});
