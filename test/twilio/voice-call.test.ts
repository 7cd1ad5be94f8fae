// Whole phone calls over signed HTTP: greeting, turns, retries, silence, hang-up, deadline, no LLM.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { findCustomerByPhone } from '../../src/booking/customers-repo.ts';
import { findCallConversation } from '../../src/db/calls-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { openTestDb, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const twilioEnv = (extra: Record<string, string> = {}) => ({ TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, ...extra });

async function transcript(db: Db, callSid: string): Promise<[string, string][]> {
  const conversation = await findCallConversation(db, callSid);
  assert.ok(conversation, 'the call has a conversation');
  return (await loadRecentMessages(db, conversation.id, 100)).map((row) => [row.message.role, row.text]);
}

describe('a phone call', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', twilioEnv()));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it('greets, answers turn by turn, ends on end_call, and leaves the transcript and status', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    assert.deepEqual(greeting.says, ["Hello, you've reached Bright Smile Dental. How can I help you today?"]);
    assert.equal(greeting.gatherAction, '/twilio/voice?turn=1');
    assert.equal(greeting.gatherLanguage, 'en-US');
    assert.match(greeting.raw, /<Gather[^>]*input="speech dtmf"/);

    standIn.enqueue({ text: 'We open at eight on weekdays.' });
    const first = await call.say(greeting.gatherAction!, 'When do you open?');
    assert.deepEqual(first.says, ['We open at eight on weekdays.']);
    assert.equal(first.gatherAction, '/twilio/voice?turn=2');

    standIn.enqueue({ toolCalls: [{ name: 'end_call', input: {} }] }, { text: 'Goodbye, have a nice day!' });
    const last = await call.say(first.gatherAction!, "That's all, thanks. Bye!");
    assert.deepEqual(last.says, ['Goodbye, have a nice day!']);
    assert.equal(last.hangup, true);
    assert.equal(last.gatherAction, null);

    assert.equal(await call.status('completed', 42), 204);
    assert.deepEqual(await transcript(server.db, call.sid), [
      ['assistant', "Hello, you've reached Bright Smile Dental. How can I help you today?"],
      ['user', 'When do you open?'],
      ['assistant', 'We open at eight on weekdays.'],
      ['user', "That's all, thanks. Bye!"],
      ['assistant', ''],
      ['tool', ''],
      ['assistant', 'Goodbye, have a nice day!'],
    ]);
    const conversation = await findCallConversation(server.db, call.sid);
    assert.equal(conversation?.status, 'completed');
    assert.equal(conversation?.durationSeconds, 42);
    assert.ok(conversation?.endedAt instanceof Date);
    assert.equal(conversation?.caller, '+14155551234');
  });

  it('answers a retried turn with the same TwiML, without a second LLM call or a duplicated message', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    standIn.enqueue({ text: 'A check-up costs 40 euros.' });
    const first = await call.say('/twilio/voice?turn=1', 'How much is a check-up?');
    const retry = await call.say('/twilio/voice?turn=1', 'How much is a check-up?');
    assert.equal(retry.raw, first.raw);
    assert.equal(standIn.requests.length, 1);
    assert.equal((await transcript(server.db, call.sid)).length, 3);
  });

  it('resumes a call whose incoming webhook is fetched again, at its next turn, greeting once', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    standIn.enqueue({ text: 'Yes, we do whitening.' });
    await call.say('/twilio/voice?turn=1', 'Do you do whitening?');
    const again = await call.start();
    assert.equal(again.gatherAction, '/twilio/voice?turn=2');
    assert.equal((await transcript(server.db, call.sid)).filter(([role]) => role === 'assistant').length, 2);
  });

  it('re-prompts a silent caller twice, then says goodbye and hangs up', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    const once = await call.silence('/twilio/voice?turn=1');
    assert.deepEqual(once.says, [phrase('en', 'reprompt')]);
    assert.equal(once.gatherAction, '/twilio/voice?turn=1&silence=1');
    const twice = await call.silence(once.gatherAction!);
    assert.equal(twice.gatherAction, '/twilio/voice?turn=1&silence=2');
    const done = await call.silence(twice.gatherAction!);
    assert.deepEqual(done.says, [phrase('en', 'silence_goodbye')]);
    assert.equal(done.hangup, true);
    assert.equal(standIn.requests.length, 0);
  });

  it('apologises and keeps listening when the LLM fails, in the call language', async () => {
    const call = new PhoneCall(server.url);
    const greeting = await call.start('/twilio/incoming?language=sk');
    assert.equal(greeting.gatherLanguage, 'sk-SK');
    assert.equal(greeting.voice, 'Google.sk-SK-Wavenet-A');
    assert.match(greeting.says[0]!, /Dobrý deň/);
    // Not the default language: it rides in the URL, for an apology said without the database.
    assert.equal(greeting.gatherAction, '/twilio/voice?turn=1&language=sk');
    standIn.enqueue({ status: 429 });
    const heard = await call.say(greeting.gatherAction!, 'Kedy máte otvorené?');
    assert.deepEqual(heard.says, [phrase('sk', 'apology_rate_limited')]);
    assert.equal(heard.gatherAction, '/twilio/voice?turn=2&language=sk');
    assert.equal((await transcript(server.db, call.sid)).length, 1, 'only the greeting: the failed turn is not kept');
  });

  it('feeds keypad digits to the assistant', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    standIn.enqueue({ text: 'You pressed one.' });
    const heard = await call.expectDigits('/twilio/voice?turn=1', '1');
    assert.deepEqual(heard.says, ['You pressed one.']);
    assert.match(JSON.stringify(standIn.requests[0]!.body.messages), /\[keypad\] 1/);
  });

  it('ignores a status callback that arrives after a later one', async () => {
    const call = new PhoneCall(server.url);
    await call.start();
    assert.equal(await call.status('completed', 30), 204);
    assert.equal(await call.status('ringing'), 204);
    assert.equal(await call.status('in-progress'), 204);
    const conversation = await findCallConversation(server.db, call.sid);
    assert.equal(conversation?.status, 'completed');
    assert.equal(conversation?.durationSeconds, 30);
  });

  it('records a status callback for a call it never answered', async () => {
    const call = new PhoneCall(server.url);
    assert.equal(await call.status('no-answer', 0), 204);
    assert.equal((await findCallConversation(server.db, call.sid))?.status, 'no-answer');
  });
});

describe('a phone call whose reply is slower than the webhook deadline', () => {
  let standIn: LlmStandIn;
  let db: Db;
  let first: TestServer;
  let second: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
    const env = testEnv(standIn, 'openai', twilioEnv({ TWILIO_REPLY_DEADLINE_MS: '500', LLM_TURN_TIMEOUT_MS: '5000' }));
    // Two instances on one database, as behind a load balancer.
    first = await startTestServer(env, { db });
    second = await startTestServer(env, { db });
  });
  after(async () => {
    await first.close();
    await second.close();
    await db.close();
    await standIn.close();
  });

  it('holds the caller and delivers the reply through the redirect, on another instance, with one LLM call', async () => {
    const call = new PhoneCall(first.url);
    await call.start();
    standIn.enqueue({ hangMs: 1300, text: 'Thank you for waiting: yes, we take new patients.' });
    const startedMs = performance.now();
    const holding = await call.say('/twilio/voice?turn=1', 'Do you take new patients?');
    assert.ok(performance.now() - startedMs < 1200, 'the webhook answered before the reply was ready');
    assert.deepEqual(holding.says, [phrase('en', 'holding')]);
    assert.equal(holding.redirect, '/twilio/voice?turn=1&wait=1');

    const elsewhere = new PhoneCall(second.url);
    Object.assign(elsewhere, { sid: call.sid, account: call.account });
    const { heard, holding: heldWith } = await elsewhere.follow(holding);
    assert.deepEqual(heard.says, ['Thank you for waiting: yes, we take new patients.']);
    assert.equal(heard.gatherAction, '/twilio/voice?turn=2');
    assert.ok(heldWith.every((text) => [phrase('en', 'holding'), phrase('en', 'still_holding')].includes(text)));
    assert.equal(standIn.requests.length, 1);
    assert.equal((await transcript(db, call.sid)).length, 3);
  });
});

describe('a phone call with no LLM configured', () => {
  it('takes a message: name, then message, stored as a callback request', async () => {
    const server = await startTestServer(testEnv(null, 'openai', twilioEnv()));
    try {
      const call = new PhoneCall(server.url);
      const greeting = await call.start();
      assert.deepEqual(greeting.says, [phrase('en', 'message_ask_name')]);
      const askMessage = await call.say(greeting.gatherAction!, 'Jana Nováková');
      assert.deepEqual(askMessage.says, [phrase('en', 'message_ask_message')]);
      const saved = await call.say(askMessage.gatherAction!, 'Please call me back about my crown.');
      assert.deepEqual(saved.says, [phrase('en', 'message_saved')]);
      assert.equal(saved.hangup, true);
      const { rows } = await server.db.query<{ name: string; message: string; caller: string }>('SELECT name, message, caller FROM callback_requests');
      assert.deepEqual(rows, [{ name: 'Jana Nováková', message: 'Please call me back about my crown.', caller: '+14155551234' }]);
      assert.equal((await transcript(server.db, call.sid)).length, 5);

      // No assistant turn ran, yet the caller has a record with this call counted, once however often Twilio asks.
      const first = await findCustomerByPhone(server.db, '+14155551234');
      assert.equal(first?.conversationCount, 1);
      await call.start();
      assert.equal((await findCustomerByPhone(server.db, '+14155551234'))?.conversationCount, 1);
      await server.db.query(`UPDATE customers SET last_contact_at = last_contact_at - interval '1 day'`);
      await new PhoneCall(server.url).start();
      const again = await findCustomerByPhone(server.db, '+14155551234');
      assert.equal(again?.conversationCount, 2);
      assert.deepEqual(again?.firstContactAt, first?.firstContactAt);
      assert.ok(again!.lastContactAt > first!.lastContactAt);
      // A caller with no number to count under gets no record.
      await new PhoneCall(server.url, 'client:alice').start();
      assert.equal((await server.db.query('SELECT 1 FROM customers')).rows.length, 1);
    } finally {
      await server.close();
    }
  });
});
