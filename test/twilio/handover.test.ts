// Hand-over on a call: <Dial> to the transfer number when someone is available, and each way the dial can end, through signed requests.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { listJobs } from '../../src/db/outbox-repo.ts';
import { listTransfers } from '../../src/db/transfers-repo.ts';
import { WEBHOOK_JOB, type BusinessEvent } from '../../src/jobs/business-events.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { parseTwiml, PhoneCall } from '../helpers/phone-call.ts';
import { startTestServer, TEST_API_KEY, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const BUSINESS_NUMBER = '+14155550100';
const PERSON = '+421905123456';

function profileFile(hours: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pa-profile-')), 'profile.yaml');
  const greeting = 'Hello, Bright Smile Dental.';
  writeFileSync(
    file,
    `name: Bright Smile Dental\ntimezone: Europe/Bratislava\ntransfer_number: "${PERSON}"\n` +
      `greetings: {en: "${greeting}", ru: "${greeting}", uk: "${greeting}", sk: "${greeting}"}\n${hours}`,
  );
  return file;
}

interface Dial {
  number: string;
  callerId: string | null;
  timeout: string | null;
  action: string;
}

function parseDial(raw: string): Dial | null {
  const match = /<Dial\b([^>]*)>([^<]*)<\/Dial>/.exec(raw);
  if (!match) return null;
  const attribute = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(match[1]!)?.[1]?.replaceAll('&amp;', '&') ?? null;
  return { number: match[2]!, callerId: attribute('callerId'), timeout: attribute('timeout'), action: attribute('action')! };
}

async function events(server: TestServer, type: string): Promise<BusinessEvent[]> {
  return (await listJobs(server.db, WEBHOOK_JOB)).map((job) => job.payload as BusinessEvent).filter((event) => event.type === type);
}

describe('hand-over during opening hours', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    // No opening hours: someone can take a call at any time.
    server = await startTestServer(
      testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, TWILIO_PHONE_NUMBER: BUSINESS_NUMBER, ASSISTANT_PROFILE: profileFile('') }),
    );
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  /** A call whose caller asked the model for a person; what they heard. */
  async function askForPerson(call: PhoneCall): Promise<{ dial: Dial; says: string[] }> {
    const greeting = await call.start();
    standIn.enqueue({ toolCalls: [{ name: 'transfer_to_human', input: { reason: 'wants to talk to the dentist' } }] }, { text: 'Putting you through now.' });
    const heard = await call.say(greeting.gatherAction!, 'Can I talk to a person?');
    const dial = parseDial(heard.raw);
    assert.ok(dial, `a <Dial> in ${heard.raw}`);
    return { dial, says: heard.says };
  }

  it('says the reply and dials the transfer number with the business caller ID, a ring timeout and a signed action URL', async () => {
    const call = new PhoneCall(server.url);
    const { dial, says } = await askForPerson(call);
    assert.deepEqual(says, ['Putting you through now.']);
    assert.equal(dial.number, PERSON);
    assert.equal(dial.callerId, BUSINESS_NUMBER);
    assert.equal(dial.timeout, '20');
    assert.match(dial.action, /^\/twilio\/dial-ended\?turn=2&transfer=[0-9a-f-]{36}$/);
    const conversation = (await findCallConversation(server.db, call.sid))!;
    const [transfer] = await listTransfers(server.db, conversation.id);
    assert.equal(transfer?.outcome, 'dialing');
    assert.equal(transfer?.reason, 'wants to talk to the dentist');

    const unsigned = await fetch(`${server.url}${dial.action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(call.params({ DialCallStatus: 'completed' })).toString(),
    });
    assert.equal(unsigned.status, 403);
  });

  it('ends the call once the person answered and hung up, storing the outcome and how long they talked', async () => {
    const call = new PhoneCall(server.url);
    const { dial } = await askForPerson(call);
    const ended = await call.post(dial.action, { DialCallStatus: 'completed', DialCallDuration: '95' });
    assert.equal(ended.status, 200);
    const heard = parseTwiml(ended.text);
    assert.equal(heard.hangup, true);
    assert.deepEqual(heard.says, []);
    const conversation = (await findCallConversation(server.db, call.sid))!;
    const [transfer] = await listTransfers(server.db, conversation.id);
    assert.equal(transfer?.outcome, 'completed');
    assert.equal(transfer?.durationSeconds, 95);
    assert.ok(transfer?.endedAt);

    // The owner sees it with the call.
    const detail = await fetch(`${server.url}/v1/calls/${conversation.id}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    const body = (await detail.json()) as { transfers: { outcome: string; duration_seconds: number; reason: string }[]; summary: unknown };
    assert.deepEqual(
      body.transfers.map((t) => [t.outcome, t.duration_seconds, t.reason]),
      [['completed', 95, 'wants to talk to the dentist']],
    );
    assert.equal(body.summary, null, 'not summarised yet');
  });

  for (const outcome of ['no-answer', 'busy', 'failed'] as const) {
    it(`comes back to the assistant on ${outcome}: an apology, a message offered, transfer.failed told once`, async () => {
      const call = new PhoneCall(server.url);
      const { dial } = await askForPerson(call);
      const result = await call.post(dial.action, { DialCallStatus: outcome, DialCallDuration: '0' });
      const heard = parseTwiml(result.text);
      assert.deepEqual(heard.says, [phrase('en', 'transfer_failed')]);
      assert.equal(heard.gatherAction, '/twilio/voice?turn=2');
      assert.equal(heard.hangup, false);
      // Twilio posting the same dial's end again repeats the words but tells the business nothing new.
      assert.deepEqual(parseTwiml((await call.post(dial.action, { DialCallStatus: outcome })).text).says, heard.says);

      const conversation = (await findCallConversation(server.db, call.sid))!;
      const [transfer] = await listTransfers(server.db, conversation.id);
      assert.equal(transfer?.outcome, outcome);
      const failed = (await events(server, 'transfer.failed')).filter((event) => event.data['conversation_id'] === conversation.id);
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.data['outcome'], outcome);
      assert.equal(failed[0]!.data['reason'], 'wants to talk to the dentist');
      // The model sees the apology in the history, and takes the message next.
      const messages = await loadRecentMessages(server.db, conversation.id);
      assert.equal(messages.at(-1)?.text, phrase('en', 'transfer_failed'));
      standIn.enqueue({ text: 'Thank you, Ann. What is your message?' });
      const next = await call.say(heard.gatherAction!, 'I am Ann');
      assert.deepEqual(next.says, ['Thank you, Ann. What is your message?']);
    });
  }

  it('puts the caller through when they press 0, without asking the LLM', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    const heard = await call.expectDigits(greeting.gatherAction!, '0');
    assert.deepEqual(heard.says, [phrase('en', 'transferring')]);
    assert.equal(parseDial(heard.raw)?.number, PERSON);
    assert.equal(standIn.requests.length, 0);
  });
});

describe('hand-over outside opening hours', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    const closed = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => `  ${day}: closed`).join('\n');
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, ASSISTANT_PROFILE: profileFile(`hours:\n${closed}\n`) }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('says nobody can take the call and offers a message instead of dialling, on 0 and through the model', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    const keyed = await call.expectDigits(greeting.gatherAction!, '0');
    assert.equal(parseDial(keyed.raw), null);
    assert.deepEqual(keyed.says, [phrase('en', 'handover_unavailable')]);
    assert.equal(keyed.gatherAction, '/twilio/voice?turn=2');

    standIn.enqueue({ toolCalls: [{ name: 'transfer_to_human', input: {} }] }, { text: 'Nobody is in today; may I take a message?' });
    const asked = await call.say(keyed.gatherAction!, 'A person, please');
    assert.equal(parseDial(asked.raw), null);
    assert.deepEqual(asked.says, ['Nobody is in today; may I take a message?']);
    const toolResult = JSON.stringify(standIn.requests.at(-1)?.body);
    assert.match(toolResult, /outside opening hours/);

    const conversation = (await findCallConversation(server.db, call.sid))!;
    assert.deepEqual((await listTransfers(server.db, conversation.id)).map((transfer) => transfer.outcome), ['unavailable', 'unavailable']);
  });
});
