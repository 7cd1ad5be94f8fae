// SMS threads over signed HTTP: one conversation a day, replies in <Message>, retries, failures.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { findCustomerByPhone } from '../../src/booking/customers-repo.ts';
import { loadRecentMessages } from '../../src/db/conversations-repo.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { eventually } from '../helpers/server-process.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const sms = (server: TestServer, from: string, body: string, sid = messageSid()) =>
  signedPost(server.url, '/twilio/sms', { MessageSid: sid, AccountSid: accountSid(), From: from, To: '+14155550199', Body: body, NumMedia: '0' });

const messageOf = (twiml: string) => /<Message>([^<]*)<\/Message>/.exec(twiml)?.[1]?.replaceAll('&apos;', "'");

describe('SMS', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'anthropic', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  it('keeps a caller\'s messages of the day in one conversation and replies in <Message>', async () => {
    standIn.enqueue({ text: 'Hi! We are open 8 to 17 today.' }, { text: 'Yes, Thursday until 19.' });
    const first = await sms(server, '+421905111222', 'Are you open today?');
    assert.equal(first.status, 200);
    assert.match(first.contentType ?? '', /^text\/xml/);
    assert.equal(messageOf(first.text), 'Hi! We are open 8 to 17 today.');
    const second = await sms(server, '+421 905 111 222', 'And on Thursday evening?');
    assert.equal(messageOf(second.text), 'Yes, Thursday until 19.');

    const { rows } = await server.db.query<{ id: string }>(`SELECT id FROM conversations WHERE channel = 'sms' AND caller = '+421905111222'`);
    assert.equal(rows.length, 1, 'one conversation for the thread (the number normalised)');
    const stored = await loadRecentMessages(server.db, rows[0]!.id, 10);
    assert.deepEqual(stored.map((row) => row.text), ['Are you open today?', 'Hi! We are open 8 to 17 today.', 'And on Thursday evening?', 'Yes, Thursday until 19.']);
    assert.match(JSON.stringify(standIn.requests[1]!.body.messages), /Are you open today/, 'the second reply knows the first message');
  });

  it('answers a repeated MessageSid with the same reply and no second LLM call', async () => {
    standIn.enqueue({ text: 'Cleaning costs 60 EUR.' });
    const sid = messageSid();
    const first = await sms(server, '+421905333444', 'How much is cleaning?', sid);
    const again = await sms(server, '+421905333444', 'How much is cleaning?', sid);
    assert.equal(again.text, first.text);
    assert.equal(standIn.requests.length, 1);
  });

  it('caps the reply at 1600 characters', async () => {
    standIn.enqueue({ text: 'word '.repeat(500) });
    const reply = await sms(server, '+421905555666', 'Tell me everything');
    assert.equal(messageOf(reply.text)?.length, 1600);
  });

  it('sends a short apology when the LLM fails', async () => {
    standIn.enqueue({ drop: true });
    const reply = await sms(server, '+421905777888', 'Hello?');
    assert.equal(reply.status, 200);
    assert.equal(messageOf(reply.text), phrase('en', 'apology_unreachable'));
  });

  it('answers in the language the caller writes in, and the thread follows it', async () => {
    const from = '+421905121212';
    standIn.enqueue({ text: 'Áno, zajtra máme otvorené od ôsmej.' }, { drop: true }, { drop: true }, { drop: true });
    const sk = await sms(server, from, 'Dobrý deň, máte zajtra otvorené?');
    assert.equal(messageOf(sk.text), 'Áno, zajtra máme otvorené od ôsmej.');
    assert.match(JSON.stringify(standIn.requests[0]!.body), /Vždy odpovedajte po slovensky/, 'the assistant is told to answer in Slovak');

    const uk = await sms(server, from, 'Добрий день, можна записатися на завтра?');
    assert.equal(messageOf(uk.text), phrase('uk', 'apology_unreachable'));
    const ru = await sms(server, from, 'Когда вы работаете?');
    assert.equal(messageOf(ru.text), phrase('ru', 'apology_unreachable'));
    const short = await sms(server, from, 'OK');
    assert.equal(messageOf(short.text), phrase('ru', 'apology_unreachable'), 'too short to tell: the thread keeps its language');

    const { rows } = await server.db.query<{ language: string }>(`SELECT language FROM conversations WHERE channel = 'sms' AND caller = $1`, [from]);
    assert.deepEqual(rows, [{ language: 'ru' }], 'one thread, in the language of the last message that told it');
  });

  it('starts a thread whose language cannot be told in DEFAULT_LANGUAGE', async () => {
    standIn.enqueue({ drop: true });
    const reply = await sms(server, '+421905131313', '👍 OK');
    assert.equal(messageOf(reply.text), phrase('en', 'apology_unreachable'));
  });

  it('rejects an invalid payload with 422 and stores nothing', async () => {
    const before = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
    const reply = await signedPost(server.url, '/twilio/sms', { MessageSid: 'XX123', AccountSid: accountSid(), From: '+421905777888', To: '+14155550199', Body: 'hi' });
    assert.equal(reply.status, 422);
    assert.match(reply.text, /MessageSid/);
    const after = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
    assert.deepEqual(after.rows, before.rows);
  });
});

describe('SMS with no LLM configured', () => {
  it('keeps the message as a callback request and says so', async () => {
    const server = await startTestServer(testEnv(null, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
    try {
      const reply = await sms(server, '+421905999000', 'Please call me about an appointment');
      assert.equal(messageOf(reply.text), phrase('en', 'sms_message_saved'));
      const { rows } = await server.db.query<{ message: string; caller: string }>('SELECT message, caller FROM callback_requests');
      assert.deepEqual(rows, [{ message: 'Please call me about an appointment', caller: '+421905999000' }]);
      // The thread counts as a contact, once, though no assistant turn ran.
      assert.equal((await findCustomerByPhone(server.db, '+421905999000'))?.conversationCount, 1);
      await sms(server, '+421905999000', 'And one more thing');
      assert.equal((await findCustomerByPhone(server.db, '+421905999000'))?.conversationCount, 1);
    } finally {
      await server.close();
    }
  });

  it('answers 500 with the documented body when the message can be neither processed nor kept', async () => {
    const server = await startTestServer(testEnv(null, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }));
    try {
      await server.db.close();
      // The spool directory is gone and a file stands in its place: nothing can be written there.
      const spoolDir = path.join(server.config.database.dataDir, 'spool');
      rmSync(spoolDir, { recursive: true });
      writeFileSync(spoolDir, '');
      const reply = await sms(server, '+421905999000', 'Hello');
      assert.equal(reply.status, 500);
      assert.deepEqual(JSON.parse(reply.text), { status: 'error', message: 'Failed to process message' });
    } finally {
      await server.fastify.close();
    }
  });
});

describe('SMS over the caller limit', () => {
  it('is told to slow down in the language it is written in', async () => {
    const standIn = await startLlmStandIn();
    const server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, RATE_LIMIT_CALLER_PER_MINUTE: '1' }));
    try {
      standIn.enqueue({ text: 'Dobrý deň!' });
      assert.equal(messageOf((await sms(server, '+421905141414', 'Dobrý deň, máte otvorené?')).text), 'Dobrý deň!');
      const limited = await sms(server, '+421905141414', 'Ďakujem, a zajtra?');
      assert.equal(messageOf(limited.text), phrase('sk', 'rate_limited_caller'));
    } finally {
      await server.close();
      await standIn.close();
    }
  });
});

describe('SMS whose reply takes longer than Twilio waits', () => {
  it('is kept for a person and answered with an apology in time, not dropped', async () => {
    const standIn = await startLlmStandIn();
    const env = testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, LLM_TURN_TIMEOUT_MS: '60000', SPOOL_REPLAY_INTERVAL_MS: '200' });
    const server = await startTestServer(env);
    try {
      // Longer than the SMS budget: the assistant's reply would come after Twilio gave up.
      standIn.enqueue({ hangMs: 30_000, text: 'Too late' });
      const reply = await sms(server, '+421905151515', 'Potrebujem termín na štvrtok');
      assert.equal(reply.status, 200);
      assert.equal(messageOf(reply.text), phrase('sk', 'sms_message_saved'));
      await eventually(
        async () => (await server.db.query('SELECT 1 FROM callback_requests WHERE caller = $1', ['+421905151515'])).rows.length === 1,
        30_000,
        () => 'the kept SMS never became a callback request',
      );
    } finally {
      await server.close();
      await standIn.close();
    }
  });
});
